// Instance routes (docs/api.md#create): create, fetchInstances, delete. Thin: validate → storage → shape.
// The connector calls (first QR on create, logout on delete) plug in between storage and shape.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireAnyKey, requireGlobalKey, requireInstanceAccess } from "../auth.ts";
import { checkWebhookUrl } from "../delivery/url-guard.ts";
import { ApiError, badRequest, instanceNotFound, unauthorized } from "../errors.ts";
import { apiKeySecurity, json, errorBodySchema, errorResponses, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import {
  createInstanceBodySchema, createInstanceResponseSchema, createdInstanceBody, fetchInstancesQuerySchema,
  instanceItem, instanceItemSchema, statusResponseSchema, webhookFromCreateBody,
} from "../schemas/instance.ts";
import { createInstance, deleteInstance, findInstanceByName, generateInstanceToken, listInstances } from "../storage/instances.ts";
import { apiBodyLimit, existingInstance, requireExistingInstance } from "./middleware.ts";
import { firstQrCode, neverReachedConnector, removeFromConnector, removeNeverConnected } from "../lifecycle/connection.ts";
import { fleetRegistry } from "../fleet/registry.ts";
import { connectorSettingsOf } from "../lifecycle/connector-settings.ts";
import { deleteInstanceQuerySchema } from "../schemas/lifecycle.ts";


const createInstanceRoute = createRoute({
  method: "post",
  path: "/instance/create",
  tags: ["Instance"],
  summary: "Create an instance (global key only)",
  security: apiKeySecurity,
  middleware: [requireGlobalKey(), apiBodyLimit()] as const,
  request: { body: { required: true, content: { "application/json": { schema: createInstanceBodySchema } } } },
  responses: { 201: json(createInstanceResponseSchema, "Instance created"), ...errorResponses(400, 401, 403, 413, 415) },
});

const fetchInstancesRoute = createRoute({
  method: "get",
  path: "/instance/fetchInstances",
  tags: ["Instance"],
  summary: "List instances (global key: all; instance token: its own)",
  security: apiKeySecurity,
  middleware: [requireAnyKey()] as const,
  request: { query: fetchInstancesQuerySchema },
  responses: { 200: json(instanceItemSchema.array(), "Instances"), ...errorResponses(401, 404) },
});

const deleteInstanceRoute = createRoute({
  method: "delete",
  path: "/instance/delete/{instance}",
  tags: ["Instance"],
  summary: "Delete an instance and its configuration",
  security: apiKeySecurity,
  middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: instanceParamsSchema, query: deleteInstanceQuerySchema },
  responses: { 200: json(statusResponseSchema, "Instance deleted"), ...errorResponses(400, 401, 404), 503: json(errorBodySchema, "Connector unreachable (use ?force=true to delete anyway)") },
});

export function registerInstanceRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(createInstanceRoute, async (c) => {
    const body = c.req.valid("json");
    const webhook = webhookFromCreateBody(body);
    if (webhook) {
      const check = checkWebhookUrl(webhook.url, c.var.config.allowPrivateUrls);
      if (!check.ok) throw badRequest([`Invalid "webhook" property: ${check.reason}`]);
    }
    const result = await createInstance(c.env.DB, { name: body.instanceName, token: body.token ?? generateInstanceToken(), webhook });
    if (!result.ok && result.reason === "name_taken") throw new ApiError("NAME_IN_USE", [`This name "${body.instanceName}" is already in use.`]);
    if (!result.ok) throw badRequest([`Invalid "token" property: already used by another instance`]);
    const settings = body.qrcode ? await connectorSettingsOf(c.env.DB, result.instance.id) : undefined;
    const qrcode = settings ? await firstQrCode({ config: c.var.config, env: c.env }, result.instance.name, settings, body.number) : undefined;
    return c.json({ ...createdInstanceBody(result.instance, webhook), ...(qrcode ? { qrcode } : {}) }, 201);
  }, validationHook());

  app.openapi(fetchInstancesRoute, async (c) => {
    const { instanceName } = c.req.valid("query");
    const { config } = c.var;
    const own = c.var.instance;
    let rows;
    if (own) {
      if (instanceName !== undefined && instanceName !== own.name) throw unauthorized();
      rows = [own];
    } else if (instanceName !== undefined) {
      const found = await findInstanceByName(c.env.DB, instanceName);
      if (!found) throw instanceNotFound(instanceName);
      rows = [found];
    } else {
      rows = await listInstances(c.env.DB);
    }
    const owners = await fleetRegistry(c.env).ownersOf(rows.map((row) => row.name), Date.now());
    return c.json(rows.map((row) => instanceItem(row, config.serverUrl, config.exposeInFetchInstances, owners[row.name] ?? null)), 200);
  }, validationHook());

  app.openapi(deleteInstanceRoute, async (c) => {
    const { instance: name } = c.req.valid("param");
    const instance = existingInstance(c.var.instance, name);
    const deps = { config: c.var.config, env: c.env };
    if (neverReachedConnector(instance)) await removeNeverConnected(deps, instance.name);
    else await removeFromConnector(deps, instance.name, c.req.valid("query").force === "true");
    await deleteInstance(c.env.DB, instance.id);
    return c.json({ status: "SUCCESS" as const, error: false as const, response: { message: "Instance deleted" } }, 200);
  }, validationHook());
}
