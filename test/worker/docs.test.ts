// /openapi.json is generated from the schemas that validate: every operation is documented with
// its auth, success and error responses, and the documented rules are the ones enforced (checked
// here against the API). That it lists every route: auth-matrix.test.ts. /docs is a
// self-contained HTML page that renders it.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { call, createTestInstance, uniqueName } from "./helpers/api.ts";

interface Operation {
  security?: unknown;
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Schema = { properties: Record<string, any>; required?: string[] };

const served = await SELF.fetch("http://l2msg.test/openapi.json");
const doc = (await served.json()) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> } };
const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method, path, op })));
const ERROR_BODY = { $ref: "#/components/schemas/ErrorBody" };

const successOf = (op: Operation) => Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
const errorsOf = (op: Operation) => Object.entries(op.responses).filter(([status]) => /^[45]\d\d$/.test(status));

describe("GET /openapi.json", () => {
  it("is served without a key, as JSON", async () => {
    const res = await call("GET", "/openapi.json", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(doc.components.securitySchemes.apikey).toMatchObject({ type: "apiKey", in: "header", name: "apikey" });
  });

  describe.each(operations.filter(({ op }) => op.security !== undefined))("$method $path", ({ op }) => {
    it("is documented with the apikey scheme, a JSON success response and the Evolution error body for each error", () => {
      expect(op.security).toEqual([{ apikey: [] }]);
      const success = successOf(op);
      expect(success).toHaveLength(1);
      expect(success[0]![1].content?.["application/json"]?.schema).toBeDefined();
      expect(errorsOf(op).map(([status]) => status)).toContain("401");
      for (const [status, response] of errorsOf(op)) expect(response.content?.["application/json"]?.schema, status).toEqual(ERROR_BODY);
      if (op.requestBody) expect(op.requestBody.content["application/json"]?.schema).toBeDefined();
    });
  });

  it("documents the connector's ingest route as signed (no apikey): the Evolution error body, plus the rejected events on a 400", () => {
    const ingest = doc.paths["/connector/v1/events"]?.post;
    expect(ingest).toBeDefined();
    expect(ingest!.security).toBeUndefined();
    const errors = Object.fromEntries(errorsOf(ingest!).map(([status, response]) => [status, response.content?.["application/json"]?.schema]));
    expect(Object.keys(errors).sort()).toEqual(["400", "401", "413"]);
    expect(errors["401"]).toEqual(ERROR_BODY);
    expect(errors["413"]).toEqual(ERROR_BODY);
    const rejection = errors["400"] as Schema;
    expect(Object.keys(rejection.properties).sort()).toEqual(["error", "rejected", "response", "status"]);
    expect(Object.keys(rejection.properties.rejected.items.properties).sort()).toEqual(["index", "message", "path"]);
  });

  it("documents the instanceName rules that create enforces", async () => {
    const create = doc.components.schemas.InstanceCreate!;
    expect(doc.paths["/instance/create"]!.post!.requestBody!.content["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/InstanceCreate" });
    expect(create.required).toContain("instanceName");
    const { pattern, maxLength } = create.properties.instanceName as { pattern: string; maxLength: number };
    const longest = uniqueName("docs").padEnd(maxLength, "a");
    expect(longest).toMatch(new RegExp(pattern));
    expect((await call("POST", "/instance/create", { body: { instanceName: longest } })).status).toBe(201);
    const tooLong = await call("POST", "/instance/create", { body: { instanceName: `${longest}a` } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.response.message).toEqual([expect.stringContaining('"instanceName"')]);
    const outside = "bad name!";
    expect(outside).not.toMatch(new RegExp(pattern));
    expect((await call("POST", "/instance/create", { body: { instanceName: outside } })).status).toBe(400);
    expect((await call("POST", "/instance/create", { body: {} })).status).toBe(400);
  });

  it("documents the event names create accepts: every one in the enum, nothing else", async () => {
    const names = doc.components.schemas.InstanceCreate!.properties.events.items.enum as string[];
    expect(names).toEqual(expect.arrayContaining(["MESSAGES_UPSERT", "GROUPS_UPDATE", "GROUP_UPDATE"]));
    const all = await call("POST", "/instance/create", { body: { instanceName: uniqueName("docs"), webhook: "https://hooks.example.com/docs", events: names } });
    expect(all.status, all.text).toBe(201);
    const unknown = await call("POST", "/instance/create", { body: { instanceName: uniqueName("docs"), events: ["NOT_AN_EVENT"] } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.response.message).toEqual([expect.stringContaining('"NOT_AN_EVENT"')]);
  });

  it("documents both webhook body forms, each accepted, and url as required", async () => {
    const setBody = doc.paths["/webhook/set/{instance}"]!.post!.requestBody!.content["application/json"]!.schema as { anyOf?: { $ref: string }[]; oneOf?: { $ref: string }[] };
    const refs = (setBody.anyOf ?? setBody.oneOf ?? []).map((s) => s.$ref);
    expect(refs).toEqual(["#/components/schemas/WebhookSetWrapped", "#/components/schemas/WebhookSetFlat"]);
    expect(doc.components.schemas.WebhookSetFlat!.required).toEqual(["url"]);
    expect(doc.components.schemas.WebhookSetWrapped!.required).toEqual(["webhook"]);
    const { instanceName } = await createTestInstance({}, "docs");
    const path = `/webhook/set/${instanceName}`;
    expect((await call("POST", path, { body: { url: "https://hooks.example.com/flat" } })).status).toBe(201);
    expect((await call("POST", path, { body: { webhook: { url: "https://hooks.example.com/wrapped" } } })).status).toBe(201);
    const noUrl = await call("POST", path, { body: { enabled: true } });
    expect(noUrl.status).toBe(400);
    expect(noUrl.json.response.message).toEqual([expect.stringContaining('"url"')]);
  });
});

describe("GET /docs", () => {
  it("is a self-contained HTML page that loads /openapi.json and may load nothing else", async () => {
    const res = await SELF.fetch("http://l2msg.test/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    // The browser enforces it: no script, style, image or connection from anywhere but this page and its origin.
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const html = await res.text();
    expect(html).toContain("<!doctype html>");
    expect(html).toContain("fetch('/openapi.json')");
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=["']https?:/);
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
