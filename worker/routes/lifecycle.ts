// Instance lifecycle routes (docs/api.md#lifecycle-and-sending): connect, connectionState, restart, logout, refreshToken.
// Thin: auth → validate → call worker/lifecycle or worker/connector-client → shape (Evolution v1).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { connectOnConnector, logoutOnConnector, restartOnConnector } from "../connector-client/instance-commands.ts";
import { currentConnectionState } from "../lifecycle/connection.ts";
import { connectorSettingsOf } from "../lifecycle/connector-settings.ts";
import { refreshInstanceToken } from "../lifecycle/refresh-token.ts";
import { apiKeySecurity, json, errorResponses, errorBodySchema, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import { statusResponseSchema } from "../schemas/instance.ts";
import {
  connectBody, connectQuerySchema, connectResponseSchema, connectionStateBody, connectionStateResponseSchema,
  refreshTokenBody, refreshTokenResponseSchema,
} from "../schemas/lifecycle.ts";
import { existingInstance, requireExistingInstance } from "./middleware.ts";

/** Says whether connectionState came from the connector (`connector`) or from D1 (`stored`). */
export const STATE_SOURCE_HEADER = "x-l2msg-state-source";

const connectorErrors = {
  502: json(errorBodySchema, "The connector answered with a bad signature, a bad body or an error"),
  503: json(errorBodySchema, "Connector unreachable or timed out"),
};

type InstanceMiddleware = [MiddlewareHandler<AppBindings>, MiddlewareHandler<AppBindings>];
const instanceRoute = <M extends "get" | "put" | "post" | "delete", P extends string>(method: M, path: P, summary: string) => ({
  method, path, tags: ["Instance"], summary, security: apiKeySecurity,
  middleware: [requireInstanceAccess(), requireExistingInstance()] as InstanceMiddleware,
});

const connectRoute = createRoute({
  ...instanceRoute("get", "/instance/connect/{instance}", "Connect: QR code / pairing code, or the open state"),
  request: { params: instanceParamsSchema, query: connectQuerySchema },
  responses: { 200: json(connectResponseSchema, "QR/pairing code while connecting, or `{instance:{instanceName, state:\"open\"}}`"), ...errorResponses(400, 401, 404), ...connectorErrors },
});

const connectionStateRoute = createRoute({
  ...instanceRoute("get", "/instance/connectionState/{instance}", "Connection state (from D1 when the connector is down)"),
  request: { params: instanceParamsSchema },
  responses: { 200: json(connectionStateResponseSchema, `Current state; header ${STATE_SOURCE_HEADER}: connector | stored`), ...errorResponses(401, 404), ...connectorErrors },
});

const restartRoutes = (["put", "post"] as const).map((method) =>
  createRoute({
    ...instanceRoute(method, "/instance/restart/{instance}", "Restart the instance's socket"),
    request: { params: instanceParamsSchema },
    responses: { 200: json(connectionStateResponseSchema, "State after the restart"), ...errorResponses(401, 404), ...connectorErrors },
  }),
);

const logoutRoute = createRoute({
  ...instanceRoute("delete", "/instance/logout/{instance}", "Log the WhatsApp session out (the instance stays)"),
  request: { params: instanceParamsSchema },
  responses: { 200: json(statusResponseSchema, "Logged out"), ...errorResponses(400, 401, 404), ...connectorErrors },
});

const refreshTokenRoute = createRoute({
  ...instanceRoute("put", "/instance/refreshToken/{instance}", "Rotate the instance token; emits NEW_TOKEN (new.jwt)"),
  request: { params: instanceParamsSchema },
  responses: { 200: json(refreshTokenResponseSchema, "The new token; the old one stops working at once"), ...errorResponses(401, 404) },
});

export function registerLifecycleRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(connectRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const settings = await connectorSettingsOf(c.env.DB, instance.id);
    const status = await connectOnConnector({ config: c.var.config, env: c.env }, instance.name, settings, c.req.valid("query").number);
    return c.json(connectBody(instance.name, status), 200);
  }, validationHook());

  app.openapi(connectionStateRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const { state, source } = await currentConnectionState({ config: c.var.config, env: c.env }, instance);
    c.header(STATE_SOURCE_HEADER, source);
    return c.json(connectionStateBody(instance.name, state), 200);
  }, validationHook());

  for (const route of restartRoutes) {
    app.openapi(route, async (c) => {
      const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
      const status = await restartOnConnector({ config: c.var.config, env: c.env }, instance.name);
      return c.json(connectionStateBody(instance.name, status.state), 200);
    }, validationHook());
  }

  app.openapi(logoutRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    await logoutOnConnector({ config: c.var.config, env: c.env }, instance.name);
    return c.json({ status: "SUCCESS" as const, error: false as const, response: { message: "Instance logged out" } }, 200);
  }, validationHook());

  app.openapi(refreshTokenRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const updated = await refreshInstanceToken(c.env, c.var.config, instance, Date.now());
    return c.json(refreshTokenBody(updated), 200);
  }, validationHook());
}
