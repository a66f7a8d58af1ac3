// `GET /`: a small public welcome (docs/api.md#welcome), as Evolution's root answers; health
// checks and first-time users call it. No key, no D1.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import pkg from "../../package.json" with { type: "json" };
import type { AppBindings } from "../app-types.ts";
import { json } from "../schemas/common.ts";
import { DOCS_PATH, OPENAPI_PATH } from "./docs.ts";

const welcomeSchema = z
  .object({
    status: z.literal(200),
    message: z.string(),
    version: z.string().openapi({ example: pkg.version }),
    documentation: z.string().openapi({ description: "The API reference page", example: "https://l2msg.example.com/docs" }),
    openapi: z.string().openapi({ description: "The OpenAPI document", example: "https://l2msg.example.com/openapi.json" }),
  })
  .openapi("Welcome");

const welcomeRoute = createRoute({
  method: "get", path: "/", tags: ["Server"], summary: "Welcome: version and links to the docs (no key needed)",
  responses: { 200: json(welcomeSchema, "The server is up") },
});

export function registerRootRoute(app: OpenAPIHono<AppBindings>): void {
  app.openapi(welcomeRoute, (c) => {
    const base = c.var.config.serverUrl;
    return c.json({
      status: 200 as const, message: "Welcome to l2msg, it is working!", version: pkg.version,
      documentation: `${base}${DOCS_PATH}`, openapi: `${base}${OPENAPI_PATH}`,
    }, 200);
  });
}
