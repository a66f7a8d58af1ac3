// Trace of one WhatsApp message (docs/api.md#trace): every stored event that carries its id, with
// its sequence and time of receipt, and each delivery with its webhook, status and attempts.
// Thin: validate → storage → shape. The global key also sees deliveries to the global webhook.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { apiKeySecurity, errorResponses, json, validationHook } from "../schemas/common.ts";
import { toTracedEvent, traceParamsSchema, traceSchema } from "../schemas/trace.ts";
import { deliveriesOfEvents } from "../storage/delivery-queries.ts";
import { findEventsByMessageId } from "../storage/webhook-events.ts";
import { scopeFor } from "./deliveries.ts";
import { existingInstance, requireExistingInstance } from "./middleware.ts";

const traceRoute = createRoute({
  method: "get", path: "/trace/{instance}/{messageId}", tags: ["Deliveries"],
  summary: "Every stored event about a WhatsApp message id, with its deliveries and attempts",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: traceParamsSchema },
  responses: { 200: json(traceSchema, "The trace (events: [] when nothing is stored for that id)"), ...errorResponses(401, 404) },
});

export function registerTraceRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(traceRoute, async (c) => {
    const { instance: name, messageId } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const events = await findEventsByMessageId(c.env.DB, instance.id, messageId);
    const scope = scopeFor(instance, c.var.auth);
    const sent = await deliveriesOfEvents(c.env.DB, instance.id, events.map((e) => e.id), scope.targets, c.var.config.globalWebhook.url);
    return c.json({ instance: instance.name, messageId, events: events.map((e) => toTracedEvent(e, sent)) }, 200);
  }, validationHook());
}
