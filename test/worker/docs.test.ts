// /openapi.json is generated from the validating schemas and lists every route; /docs is a
// self-contained HTML page that renders it.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { call } from "./helpers/api.ts";

const ROUTES: Array<[method: string, path: string, success: string, bodySchema?: string]> = [
  ["post", "/instance/create", "201", "InstanceCreate"],
  ["get", "/instance/fetchInstances", "200"],
  ["delete", "/instance/delete/{instance}", "200"],
  ["post", "/webhook/set/{instance}", "201"],
  ["post", "/webhook/instance/{instance}", "201"],
  ["get", "/webhook/find/{instance}", "200"],
];

describe("GET /openapi.json", () => {
  it.each(ROUTES)("documents %s %s with auth, success and error responses", async (method, path, success, bodySchema) => {
    const res = await call("GET", "/openapi.json", { key: null });
    expect(res.status).toBe(200);
    const op = res.json.paths[path]?.[method];
    expect(op, `${method} ${path}`).toBeDefined();
    expect(op.security).toEqual([{ apikey: [] }]);
    expect(op.responses[success].content["application/json"].schema).toBeDefined();
    expect(op.responses["401"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ErrorBody" });
    if (bodySchema) expect(op.requestBody.content["application/json"].schema).toEqual({ $ref: `#/components/schemas/${bodySchema}` });
  });

  it("describes the validated fields: names, events enum, both webhook body forms", async () => {
    const doc = (await call("GET", "/openapi.json", { key: null })).json;
    const create = doc.components.schemas.InstanceCreate;
    expect(create.required).toContain("instanceName");
    expect(create.properties.instanceName.pattern).toBe("^[A-Za-z0-9._-]*$");
    expect(create.properties.instanceName.maxLength).toBe(64);
    expect(create.properties.events.items.enum).toEqual(expect.arrayContaining(["MESSAGES_UPSERT", "GROUPS_UPDATE", "GROUP_UPDATE"]));
    const setBody = doc.paths["/webhook/set/{instance}"].post.requestBody.content["application/json"].schema;
    const refs = (setBody.anyOf ?? setBody.oneOf).map((s: { $ref: string }) => s.$ref);
    expect(refs).toEqual(["#/components/schemas/WebhookSetWrapped", "#/components/schemas/WebhookSetFlat"]);
    expect(doc.components.schemas.WebhookSetFlat.required).toEqual(["url"]);
    expect(doc.components.securitySchemes.apikey).toMatchObject({ type: "apiKey", in: "header", name: "apikey" });
  });
});

describe("GET /docs", () => {
  it("is a self-contained HTML page that loads /openapi.json", async () => {
    const res = await SELF.fetch("http://l2msg.test/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<!doctype html>");
    expect(html).toContain("fetch('/openapi.json')");
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']https?:/);
  });
});

describe("GET /", () => {
  it("answers a welcome with the version and links to the docs, without a key", async () => {
    const res = await SELF.fetch("http://l2msg.test/");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      status: 200, message: "Welcome to l2msg, it is working!", version: pkg.version,
      documentation: "http://localhost:8787/docs", openapi: "http://localhost:8787/openapi.json",
    });
  });
});
