// Delivery log routes: search, one delivery with its attempts, redeliver. The global key sees
// the instance's and the global webhook's deliveries; an instance token only its own webhook's.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings, AuthContext } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { enqueueDeliveries } from "../delivery/enqueue.ts";
import { ApiError } from "../errors.ts";
import { apiKeySecurity, json, errorBodySchema, errorResponses, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import {
  deliveryDetailSchema, deliveryPageSchema, deliveryParamsSchema, deliverySchema, deliverySearchQuerySchema,
  eventFilterValue, toAttemptView, toDeliveryView,
} from "../schemas/deliveries.ts";
import { findDeliveryWithAttempts, requeueDelivery, searchDeliveries, type DeliveryScope } from "../storage/deliveries.ts";
import type { InstanceRow } from "../storage/schema.ts";
import { existingInstance, requireExistingInstance } from "./middleware.ts";

const deliveryNotFound = (id: string) => new ApiError("NOT_FOUND", [`The "${id}" delivery does not exist`]);

/** What a caller may see of an instance's deliveries (also used by the trace route). */
export function scopeFor(instance: InstanceRow, auth: AuthContext): DeliveryScope {
  return { instanceId: instance.id, targets: auth.kind === "global" ? ["instance", "global"] : ["instance"] };
}

const searchRoute = createRoute({
  method: "get", path: "/deliveries/{instance}", tags: ["Deliveries"], summary: "Search the instance's deliveries, newest first",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: instanceParamsSchema, query: deliverySearchQuerySchema },
  responses: { 200: json(deliveryPageSchema, "One page; pass nextCursor as cursor for the next"), ...errorResponses(400, 401, 404) },
});

const detailRoute = createRoute({
  method: "get", path: "/deliveries/{instance}/{deliveryId}", tags: ["Deliveries"], summary: "One delivery with every attempt",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: deliveryParamsSchema },
  responses: { 200: json(deliveryDetailSchema, "The delivery"), ...errorResponses(401, 404) },
});

const redeliverRoute = createRoute({
  method: "post", path: "/deliveries/{instance}/{deliveryId}/redeliver", tags: ["Deliveries"],
  summary: "Send a succeeded or failed delivery again (same webhook-id, fresh attempt budget)",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: deliveryParamsSchema },
  responses: {
    202: json(deliverySchema, "Queued again"),
    ...errorResponses(401, 404),
    409: json(errorBodySchema, "The delivery is still pending"),
  },
});

export function registerDeliveryRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(searchRoute, async (c) => {
    const { instance: name } = c.req.valid("param");
    const query = c.req.valid("query");
    const instance = existingInstance(c.var.instance, name);
    const page = await searchDeliveries(c.env.DB, scopeFor(instance, c.var.auth), {
      status: query.status, event: query.event ? eventFilterValue(query.event) : undefined,
      since: query.since, cursor: query.cursor, limit: query.limit,
    });
    return c.json({ deliveries: page.items.map(toDeliveryView), nextCursor: page.nextCursor }, 200);
  }, validationHook());

  app.openapi(detailRoute, async (c) => {
    const { instance: name, deliveryId } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const found = await findDeliveryWithAttempts(c.env.DB, scopeFor(instance, c.var.auth), deliveryId, c.var.config.globalWebhook.url);
    if (!found) throw deliveryNotFound(deliveryId);
    return c.json({ ...toDeliveryView(found.delivery), attempts: found.attempts.map(toAttemptView) }, 200);
  }, validationHook());

  app.openapi(redeliverRoute, async (c) => {
    const { instance: name, deliveryId } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const scope = scopeFor(instance, c.var.auth);
    const result = await requeueDelivery(c.env.DB, scope, deliveryId, Date.now());
    if (result === "not_found") throw deliveryNotFound(deliveryId);
    if (result === "pending") throw new ApiError("CONFLICT", [`The "${deliveryId}" delivery is still pending`]);
    await enqueueDeliveries(c.env.DELIVERY_QUEUE, [deliveryId]);
    const found = await findDeliveryWithAttempts(c.env.DB, scope, deliveryId);
    if (!found) throw deliveryNotFound(deliveryId);
    return c.json(toDeliveryView(found.delivery), 202);
  }, validationHook());
}
