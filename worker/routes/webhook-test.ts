// POST /webhook/test/{instance}: queue one test event to the instance webhook (instance auth),
// answered 202 with the delivery, which the delivery log then shows like any other.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { sendTestEvent } from "../delivery/test-event.ts";
import { ApiError } from "../errors.ts";
import { apiKeySecurity, json, errorResponses, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import { deliverySchema, toDeliveryView } from "../schemas/deliveries.ts";
import { findDeliveryWithAttempts } from "../storage/deliveries.ts";
import { loadWebhookRow } from "../storage/webhooks.ts";
import { existingInstance, requireExistingInstance } from "./middleware.ts";

const testRoute = createRoute({
  method: "post", path: "/webhook/test/{instance}", tags: ["Webhook"],
  summary: "Send a test event (application.startup with data.test = true) to the instance webhook",
  description: "Stored, signed, retried and logged like any other delivery; sent whatever the webhook's `events` list says. " +
    "400 when the webhook is disabled, 404 when the instance has none.",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: instanceParamsSchema },
  responses: { 202: json(deliverySchema, "Queued; follow it in /deliveries/{instance}/{id}"), ...errorResponses(400, 401, 404) },
});

export function registerWebhookTestRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(testRoute, async (c) => {
    const { instance: name } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const webhook = await loadWebhookRow(c.env.DB, instance.id);
    if (!webhook) throw new ApiError("NOT_FOUND", [`The "${name}" instance has no webhook; set one with /webhook/set/${name}`]);
    if (!webhook.enabled) throw new ApiError("BAD_REQUEST", [`The "${name}" instance webhook is disabled; enable it with /webhook/set/${name}`]);
    const deliveryId = await sendTestEvent(c.env, instance, webhook, Date.now());
    const found = await findDeliveryWithAttempts(c.env.DB, { instanceId: instance.id, targets: ["instance"] }, deliveryId);
    if (!found) throw new Error(`test delivery ${deliveryId} vanished right after it was stored`);
    return c.json(toDeliveryView(found.delivery), 202);
  }, validationHook());
}
