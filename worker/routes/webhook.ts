// Instance webhook config routes (docs/api.md#webhook-config): set (flat or wrapped body; alias path) and find.
// Thin: validate → SSRF check → storage → settings to the connector (best effort) → shape. The signing secret is never returned here.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { checkWebhookUrl } from "../delivery/url-guard.ts";
import { badRequest } from "../errors.ts";
import { apiKeySecurity, json, errorResponses, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import {
  pickWebhookBodyBranch, settingsFromBody, toWebhookSetView, toWebhookView, webhookSetBodySchema, webhookSetResponseSchema, webhookViewSchema,
} from "../schemas/webhook.ts";
import { syncConnectorSettings } from "../lifecycle/connector-settings.ts";
import { findWebhook, setWebhook } from "../storage/webhooks.ts";
import { apiBodyLimit, existingInstance, requireExistingInstance } from "./middleware.ts";


function setWebhookRoute(path: "/webhook/set/{instance}" | "/webhook/instance/{instance}", summary: string) {
  return createRoute({
    method: "post",
    path,
    tags: ["Webhook"],
    summary,
    security: apiKeySecurity,
    middleware: [requireInstanceAccess(), requireExistingInstance(), apiBodyLimit()] as const,
    request: {
      params: instanceParamsSchema,
      body: { required: true, content: { "application/json": { schema: webhookSetBodySchema } } },
    },
    responses: { 201: json(webhookSetResponseSchema, "Stored webhook config"), ...errorResponses(400, 401, 404, 413, 415) },
  });
}

const findWebhookRoute = createRoute({
  method: "get",
  path: "/webhook/find/{instance}",
  tags: ["Webhook"],
  summary: "The instance's webhook config (a disabled default before any set)",
  security: apiKeySecurity,
  middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: instanceParamsSchema },
  responses: { 200: json(webhookViewSchema, "Webhook config"), ...errorResponses(401, 404) },
});

export function registerWebhookRoutes(app: OpenAPIHono<AppBindings>): void {
  const routes = [
    setWebhookRoute("/webhook/set/{instance}", "Set the instance webhook"),
    setWebhookRoute("/webhook/instance/{instance}", "Set the instance webhook (alias of /webhook/set)"),
  ];
  for (const route of routes) {
    app.openapi(route, async (c) => {
      const { instance: name } = c.req.valid("param");
      const instance = existingInstance(c.var.instance, name);
      const settings = settingsFromBody(c.req.valid("json"));
      const check = checkWebhookUrl(settings.url, c.var.config.allowPrivateUrls);
      if (!check.ok) throw badRequest([`Invalid "url" property: ${check.reason}`]);
      const stored = await setWebhook(c.env.DB, instance.id, settings);
      await syncConnectorSettings({ config: c.var.config, env: c.env }, c.env.DB, instance, "webhook set");
      return c.json({ webhook: { instanceName: instance.name, webhook: toWebhookSetView(stored) } }, 201);
    }, validationHook(pickWebhookBodyBranch));
  }

  app.openapi(findWebhookRoute, async (c) => {
    const { instance: name } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    return c.json(toWebhookView(await findWebhook(c.env.DB, instance.id)), 200);
  }, validationHook());
}
