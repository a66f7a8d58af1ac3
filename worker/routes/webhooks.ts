// Several webhooks per instance (docs/api.md#webhooks): create, list, read, replace, delete.
// Thin: validate → SSRF check → storage → settings to the connector (best effort: which webhooks
// want base64 decides whether it downloads media) → shape. `default` is the webhook /webhook/set manages.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { checkWebhookUrl } from "../delivery/url-guard.ts";
import { ApiError, badRequest } from "../errors.ts";
import { apiKeySecurity, errorResponses, instanceParamsSchema, json, validationHook } from "../schemas/common.ts";
import {
  definitionFromBody, toWebhookItem, webhookDefinitionBodySchema, webhookItemSchema, webhookListSchema, webhookParamsSchema,
} from "../schemas/webhooks.ts";
import {
  MAX_WEBHOOKS_PER_INSTANCE, createWebhook, definitionFromRow, deleteWebhook, listWebhookRows, loadWebhookRow, replaceWebhook,
} from "../storage/webhooks.ts";
import { syncConnectorSettings } from "../lifecycle/connector-settings.ts";
import { apiBodyLimit, existingInstance, requireExistingInstance } from "./middleware.ts";

export const webhookNotFound = (instance: string, id: string) => new ApiError("NOT_FOUND", [`The "${instance}" instance has no webhook "${id}"`]);
const body = { required: true, content: { "application/json": { schema: webhookDefinitionBodySchema } } };

const createWebhookRoute = createRoute({
  method: "post", path: "/webhooks/{instance}", tags: ["Webhooks"], summary: `Add a webhook (at most ${MAX_WEBHOOKS_PER_INSTANCE} per instance)`,
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance(), apiBodyLimit()] as const,
  request: { params: instanceParamsSchema, body },
  responses: { 201: json(webhookItemSchema, "The new webhook"), ...errorResponses(400, 401, 404, 413, 415) },
});

const listWebhooksRoute = createRoute({
  method: "get", path: "/webhooks/{instance}", tags: ["Webhooks"], summary: "The instance's webhooks, the default one first",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const, request: { params: instanceParamsSchema },
  responses: { 200: json(webhookListSchema, "Webhooks"), ...errorResponses(401, 404) },
});

const getWebhookRoute = createRoute({
  method: "get", path: "/webhooks/{instance}/{id}", tags: ["Webhooks"], summary: "One webhook",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const, request: { params: webhookParamsSchema },
  responses: { 200: json(webhookItemSchema, "The webhook"), ...errorResponses(401, 404) },
});

const replaceWebhookRoute = createRoute({
  method: "put", path: "/webhooks/{instance}/{id}", tags: ["Webhooks"], summary: "Replace a webhook's config (creates `default` if missing; re-enables)",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance(), apiBodyLimit()] as const,
  request: { params: webhookParamsSchema, body },
  responses: { 200: json(webhookItemSchema, "The stored webhook"), ...errorResponses(400, 401, 404, 413, 415) },
});

const deleteWebhookRoute = createRoute({
  method: "delete", path: "/webhooks/{instance}/{id}", tags: ["Webhooks"], summary: "Remove a webhook (its pending deliveries then fail)",
  security: apiKeySecurity, middleware: [requireInstanceAccess(), requireExistingInstance()] as const, request: { params: webhookParamsSchema },
  responses: { 200: json(webhookItemSchema, "The removed webhook"), ...errorResponses(401, 404) },
});

function checkUrl(url: string, allowPrivate: boolean): void {
  const check = checkWebhookUrl(url, allowPrivate);
  if (!check.ok) throw badRequest([`Invalid "url" property: ${check.reason}`]);
}

export function registerWebhooksRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(createWebhookRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const definition = definitionFromBody(c.req.valid("json"));
    checkUrl(definition.url, c.var.config.allowPrivateUrls);
    const row = await createWebhook(c.env.DB, instance.id, definition, Date.now());
    if (!row) throw badRequest([`The "${instance.name}" instance already has ${MAX_WEBHOOKS_PER_INSTANCE} webhooks`]);
    await syncConnectorSettings({ config: c.var.config, env: c.env }, c.env.DB, instance, "webhook created");
    return c.json(toWebhookItem(definitionFromRow(row)), 201);
  }, validationHook());

  app.openapi(listWebhooksRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const rows = await listWebhookRows(c.env.DB, instance.id);
    return c.json({ webhooks: rows.map((row) => toWebhookItem(definitionFromRow(row))) }, 200);
  }, validationHook());

  app.openapi(getWebhookRoute, async (c) => {
    const { instance: name, id } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const row = await loadWebhookRow(c.env.DB, instance.id, id);
    if (!row) throw webhookNotFound(name, id);
    return c.json(toWebhookItem(definitionFromRow(row)), 200);
  }, validationHook());

  app.openapi(replaceWebhookRoute, async (c) => {
    const { instance: name, id } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const definition = definitionFromBody(c.req.valid("json"));
    checkUrl(definition.url, c.var.config.allowPrivateUrls);
    const row = await replaceWebhook(c.env.DB, instance.id, id, definition, Date.now());
    if (!row) throw webhookNotFound(name, id);
    await syncConnectorSettings({ config: c.var.config, env: c.env }, c.env.DB, instance, "webhook replaced");
    return c.json(toWebhookItem(definitionFromRow(row)), 200);
  }, validationHook());

  app.openapi(deleteWebhookRoute, async (c) => {
    const { instance: name, id } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const row = await loadWebhookRow(c.env.DB, instance.id, id);
    if (!row || !(await deleteWebhook(c.env.DB, instance.id, id))) throw webhookNotFound(name, id);
    await syncConnectorSettings({ config: c.var.config, env: c.env }, c.env.DB, instance, "webhook deleted");
    return c.json(toWebhookItem(definitionFromRow(row)), 200);
  }, validationHook());
}
