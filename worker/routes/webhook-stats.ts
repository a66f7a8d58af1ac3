// Endpoint health of one webhook (docs/api.md#endpoint-health): deliveries by status, success rate
// and latency over the last hour and day, the failure streak, last error, disabledAt.
// Thin: validate → storage → shape.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { apiKeySecurity, errorResponses, json, validationHook } from "../schemas/common.ts";
import { toWebhookStats, webhookStatsSchema } from "../schemas/webhook-stats.ts";
import { webhookParamsSchema } from "../schemas/webhooks.ts";
import { webhookWindowStats } from "../storage/webhook-stats.ts";
import { loadWebhookRow } from "../storage/webhooks.ts";
import { existingInstance, requireExistingInstance } from "./middleware.ts";
import { webhookNotFound } from "./webhooks.ts";

const HOUR_MS = 3_600_000;

const statsRoute = createRoute({
  method: "get", path: "/webhooks/{instance}/{id}/stats", tags: ["Webhooks"], summary: "Endpoint health over the last hour and day",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: webhookParamsSchema },
  responses: { 200: json(webhookStatsSchema, "Health of the webhook"), ...errorResponses(401, 404) },
});

export function registerWebhookStatsRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(statsRoute, async (c) => {
    const { instance: name, id } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const row = await loadWebhookRow(c.env.DB, instance.id, id);
    if (!row) throw webhookNotFound(name, id);
    const now = Date.now();
    const [hour, day] = await Promise.all([
      webhookWindowStats(c.env.DB, instance.id, id, now - HOUR_MS),
      webhookWindowStats(c.env.DB, instance.id, id, now - 24 * HOUR_MS),
    ]);
    return c.json(toWebhookStats(row, hour, day), 200);
  }, validationHook());
}
