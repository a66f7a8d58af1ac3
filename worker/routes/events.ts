// The instance's event stream (docs/api.md#events): stored events after a sequence, in order, so a
// receiver that was down catches up without waiting for retries. Thin: validate → storage → shape.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { apiKeySecurity, errorResponses, instanceParamsSchema, json, validationHook } from "../schemas/common.ts";
import { eventsPageSchema, eventsQuerySchema, toStreamEvent } from "../schemas/events.ts";
import { listEventsAfter } from "../storage/webhook-events.ts";
import { existingInstance, requireExistingInstance } from "./middleware.ts";

const eventsRoute = createRoute({
  method: "get", path: "/events/{instance}", tags: ["Events"], summary: "Stored events after a sequence, in order",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: instanceParamsSchema, query: eventsQuerySchema },
  responses: { 200: json(eventsPageSchema, "One page; pass `next` as `after` for the next"), ...errorResponses(400, 401, 404) },
});

export function registerEventRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(eventsRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const { after, limit } = c.req.valid("query");
    const rows = await listEventsAfter(c.env.DB, instance.id, after, limit);
    const events = rows.map((row) => toStreamEvent(row, c.var.config.serverUrl));
    return c.json({ events, next: events.at(-1)?.sequence ?? after }, 200);
  }, validationHook());
}
