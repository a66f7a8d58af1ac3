// Bulk redelivery (docs/delivery.md#delivery-log): every succeeded / failed delivery of an instance
// that matches the filters goes back to pending with the same id and a fresh attempt budget.
// Thin: validate → storage → enqueue → shape.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { enqueueDeliveries } from "../delivery/enqueue.ts";
import { apiKeySecurity, errorResponses, instanceParamsSchema, json, validationHook } from "../schemas/common.ts";
import { eventFilterValue } from "../schemas/deliveries.ts";
import { MAX_BULK_REDELIVERY, bulkRedeliverBodySchema, bulkRedeliverResponseSchema } from "../schemas/redeliver.ts";
import { requeueMatching } from "../storage/delivery-queries.ts";
import { scopeFor } from "./deliveries.ts";
import { apiBodyLimit, existingInstance, requireExistingInstance } from "./middleware.ts";

const bulkRedeliverRoute = createRoute({
  method: "post", path: "/deliveries/{instance}/redeliver", tags: ["Deliveries"],
  summary: `Send matching succeeded / failed deliveries again (same ids; at most ${MAX_BULK_REDELIVERY} per call)`,
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance(), apiBodyLimit()] as const,
  request: { params: instanceParamsSchema, body: { required: true, content: { "application/json": { schema: bulkRedeliverBodySchema } } } },
  responses: { 202: json(bulkRedeliverResponseSchema, "Queued again"), ...errorResponses(400, 401, 404, 413, 415) },
});

export function registerBulkDeliveryRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(bulkRedeliverRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const body = c.req.valid("json");
    const ids = await requeueMatching(c.env.DB, {
      instanceId: instance.id, targets: scopeFor(instance, c.var.auth).targets, status: body.status,
      event: body.event ? eventFilterValue(body.event) : undefined, webhookId: body.webhookId,
      since: body.since, until: body.until, limit: MAX_BULK_REDELIVERY,
    }, Date.now());
    await enqueueDeliveries(c.env.DELIVERY_QUEUE, ids);
    return c.json({ queued: ids.length }, 202);
  }, validationHook());
}
