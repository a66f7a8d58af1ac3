// Instance webhook signing secret (docs/api.md#webhook-secret): read it, rotate it (the old one keeps signing for
// 24 h). The only routes that return a secret; never logged.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { ApiError } from "../errors.ts";
import { apiKeySecurity, json, errorResponses, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import { rotatedSecretSchema, secretSchema } from "../schemas/deliveries.ts";
import { loadWebhookRow, rotateWebhookSecret } from "../storage/webhooks.ts";
import { existingInstance, requireExistingInstance } from "./middleware.ts";

const noWebhook = (name: string) => new ApiError("NOT_FOUND", [`The "${name}" instance has no webhook; set one with /webhook/set/${name}`]);
const getSecretRoute = createRoute({
  method: "get", path: "/webhook/secret/{instance}", tags: ["Webhook"], summary: "The instance webhook's whsec_ signing secret",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: instanceParamsSchema },
  responses: { 200: json(secretSchema, "The current secret"), ...errorResponses(401, 404) },
});

const rotateSecretRoute = createRoute({
  method: "post", path: "/webhook/secret/{instance}/rotate", tags: ["Webhook"],
  summary: "New signing secret; deliveries are signed with both for 24 h",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: instanceParamsSchema },
  responses: { 200: json(rotatedSecretSchema, "The new secret"), ...errorResponses(401, 404) },
});

export function registerWebhookSecretRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(getSecretRoute, async (c) => {
    const { instance: name } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const webhook = await loadWebhookRow(c.env.DB, instance.id);
    if (!webhook) throw noWebhook(name);
    c.header("cache-control", "no-store");
    return c.json({ secret: webhook.secret }, 200);
  }, validationHook());

  app.openapi(rotateSecretRoute, async (c) => {
    const { instance: name } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const rotated = await rotateWebhookSecret(c.env.DB, instance.id, Date.now());
    if (!rotated) throw noWebhook(name);
    c.header("cache-control", "no-store");
    return c.json({ secret: rotated.secret, previousSecretExpiresAt: new Date(rotated.previousSecretExpiresAt).toISOString() }, 200);
  }, validationHook());
}
