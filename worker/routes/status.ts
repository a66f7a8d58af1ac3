// GET /status (global key): storage, replay horizon and housekeeping at a glance; GET /health
// (public): `ok` and nothing else, for uptime checks. No SQL here (delivery/status.ts reads).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireGlobalKey } from "../auth.ts";
import { readStatus } from "../delivery/status.ts";
import { apiKeySecurity, errorResponses, json } from "../schemas/common.ts";
import { statusSchema } from "../schemas/status.ts";

const statusRoute = createRoute({
  method: "get", path: "/status", tags: ["Operations"], summary: "Storage against the budget, replay horizon, pending and failed deliveries, housekeeping",
  security: apiKeySecurity, middleware: [requireGlobalKey()] as const,
  responses: { 200: json(statusSchema, "The current state"), ...errorResponses(401) },
});

const healthRoute = createRoute({
  method: "get", path: "/health", tags: ["Operations"], summary: "Uptime check (no key): `ok` and nothing else",
  responses: { 200: { content: { "text/plain": { schema: z.literal("ok") } }, description: "The worker answers" } },
});

export function registerStatusRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(statusRoute, async (c) => c.json(await readStatus(c.env, c.var.config, Date.now()), 200));
  app.openapi(healthRoute, (c) => c.text("ok", 200));
}
