// Evolution's instance settings routes (docs/api.md#instance-settings): set and find.
// Thin: validate → push to the connector (it applies them live) → store in D1 → shape.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { pushSettingsToConnector } from "../connector-client/instance-commands.ts";
import { apiKeySecurity, errorBodySchema, json, errorResponses, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import { settingsFromBody, settingsSetBodySchema, settingsSetResponseSchema, settingsViewSchema } from "../schemas/settings.ts";
import { findInstanceSettings, saveInstanceSettings } from "../storage/instance-settings.ts";
import { wantsMediaBase64 } from "../storage/webhooks.ts";
import { apiBodyLimit, existingInstance, requireExistingInstance } from "./middleware.ts";

const setSettingsRoute = createRoute({
  method: "post",
  path: "/settings/set/{instance}",
  tags: ["Settings"],
  summary: "Set the instance's settings (rejectCall, msgCall, groupsIgnore, alwaysOnline, readMessages, readStatus, syncFullHistory)",
  security: apiKeySecurity,
  middleware: [requireInstanceAccess(), requireExistingInstance(), apiBodyLimit()] as const,
  request: {
    params: instanceParamsSchema,
    body: { required: true, content: { "application/json": { schema: settingsSetBodySchema } } },
  },
  responses: {
    201: json(settingsSetResponseSchema, "Applied by the connector and stored"),
    ...errorResponses(400, 401, 404, 413, 415),
    502: json(errorBodySchema, "The connector answered with a bad signature, a bad body or an error"),
    503: json(errorBodySchema, "Connector unreachable or timed out: nothing was changed"),
  },
});

const findSettingsRoute = createRoute({
  method: "get",
  path: "/settings/find/{instance}",
  tags: ["Settings"],
  summary: "The instance's settings (Evolution's defaults before any set)",
  security: apiKeySecurity,
  middleware: [requireInstanceAccess(), requireExistingInstance()] as const,
  request: { params: instanceParamsSchema },
  responses: { 200: json(settingsViewSchema, "Settings"), ...errorResponses(401, 404) },
});

export function registerSettingsRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(setSettingsRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const settings = settingsFromBody(c.req.valid("json"));
    // The connector first: when it cannot apply them, nothing is stored and the caller retries.
    // `mediaBase64` is not the caller's: it goes along as the instance's webhooks say.
    await pushSettingsToConnector({ config: c.var.config, env: c.env }, instance.name, { ...settings, mediaBase64: await wantsMediaBase64(c.env.DB, instance.id) });
    const stored = await saveInstanceSettings(c.env.DB, instance.id, settings);
    return c.json({ settings: { instanceName: instance.name, settings: stored } }, 201);
  }, validationHook());

  app.openapi(findSettingsRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    return c.json(await findInstanceSettings(c.env.DB, instance.id), 200);
  }, validationHook());
}
