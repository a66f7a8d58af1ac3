// Webhook signing secrets (docs/api.md#webhook-secret): read one, rotate it (the old one keeps
// signing for 24 h). /webhook/secret is the default webhook's; /webhooks/{instance}/{id}/secret any
// webhook's. The only routes that return a secret; never logged.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { ApiError } from "../errors.ts";
import { apiKeySecurity, json, errorResponses, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import { rotatedSecretSchema, secretSchema } from "../schemas/deliveries.ts";
import { webhookParamsSchema } from "../schemas/webhooks.ts";
import { DEFAULT_WEBHOOK_ID, loadWebhookRow, rotateWebhookSecret } from "../storage/webhooks.ts";
import { existingInstance, requireExistingInstance } from "./middleware.ts";
import { webhookNotFound } from "./webhooks.ts";

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

const getWebhookSecretRoute = createRoute({
  method: "get", path: "/webhooks/{instance}/{id}/secret", tags: ["Webhooks"], summary: "A webhook's whsec_ signing secret",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: webhookParamsSchema },
  responses: { 200: json(secretSchema, "The current secret"), ...errorResponses(401, 404) },
});

const rotateWebhookSecretRoute = createRoute({
  method: "post", path: "/webhooks/{instance}/{id}/secret/rotate", tags: ["Webhooks"],
  summary: "New signing secret for one webhook; deliveries are signed with both for 24 h",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: webhookParamsSchema },
  responses: { 200: json(rotatedSecretSchema, "The new secret"), ...errorResponses(401, 404) },
});

async function readSecret(c: Context<AppBindings>, name: string, webhookId: string, missing: () => ApiError) {
  const instance = existingInstance(c.var.instance, name);
  const webhook = await loadWebhookRow(c.env.DB, instance.id, webhookId);
  if (!webhook) throw missing();
  c.header("cache-control", "no-store");
  return { secret: webhook.secret };
}

async function rotateSecret(c: Context<AppBindings>, name: string, webhookId: string, missing: () => ApiError) {
  const instance = existingInstance(c.var.instance, name);
  const rotated = await rotateWebhookSecret(c.env.DB, instance.id, Date.now(), webhookId);
  if (!rotated) throw missing();
  c.header("cache-control", "no-store");
  return { secret: rotated.secret, previousSecretExpiresAt: new Date(rotated.previousSecretExpiresAt).toISOString() };
}

export function registerWebhookSecretRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(getSecretRoute, async (c) => {
    const { instance } = c.req.valid("param");
    return c.json(await readSecret(c, instance, DEFAULT_WEBHOOK_ID, () => noWebhook(instance)), 200);
  }, validationHook());

  app.openapi(rotateSecretRoute, async (c) => {
    const { instance } = c.req.valid("param");
    return c.json(await rotateSecret(c, instance, DEFAULT_WEBHOOK_ID, () => noWebhook(instance)), 200);
  }, validationHook());

  app.openapi(getWebhookSecretRoute, async (c) => {
    const { instance, id } = c.req.valid("param");
    return c.json(await readSecret(c, instance, id, () => webhookNotFound(instance, id)), 200);
  }, validationHook());

  app.openapi(rotateWebhookSecretRoute, async (c) => {
    const { instance, id } = c.req.valid("param");
    return c.json(await rotateSecret(c, instance, id, () => webhookNotFound(instance, id)), 200);
  }, validationHook());
}
