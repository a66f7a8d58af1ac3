// The OpenAPI document (/openapi.json, generated from the zod schemas the routes validate
// with) and a self-contained docs page (/docs) that renders it. Both public; no CDN assets.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { API_KEY_SCHEME } from "../schemas/common.ts";
import { DOCS_PAGE_HTML } from "./docs-page.ts";

export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";

const DESCRIPTION =
  "WhatsApp API compatible with Evolution API v1, with durable, signed webhooks delivered from Cloudflare Workers. " +
  "Send the global key or an instance token in the `apikey` header. Every error uses the Evolution error body " +
  '`{"status", "error", "response": {"message"}}`.';

export function registerDocs(app: OpenAPIHono<AppBindings>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", API_KEY_SCHEME, {
    type: "apiKey",
    in: "header",
    name: "apikey",
    description: "The global AUTHENTICATION_API_KEY, or an instance's own token on that instance's routes",
  });

  app.doc(OPENAPI_PATH, (c) => ({
    openapi: "3.0.3",
    info: { title: "l2msg", version: "1", description: DESCRIPTION },
    servers: [{ url: c.var.config.serverUrl }],
  }));

  app.get(DOCS_PATH, (c) => {
    c.header("content-security-policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
    return c.html(DOCS_PAGE_HTML);
  });
}
