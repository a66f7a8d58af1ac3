// Message routes (docs/api.md#lifecycle-and-sending): POST /message/sendText. Thin: auth → validate → send through the
// connector → the sent message. The send.message webhook follows from the connector's
// `message.sent` event through ingest, not from here.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { requireInstanceAccess } from "../auth.ts";
import { sendText } from "../lifecycle/connection.ts";
import { apiKeySecurity, json, errorBodySchema, errorResponses, instanceParamsSchema, validationHook } from "../schemas/common.ts";
import { sendTextBodySchema, sendTextCommand, sentMessageSchema } from "../schemas/message.ts";
import { apiBodyLimit, existingInstance, requireExistingInstance } from "./middleware.ts";


const sendTextRoute = createRoute({
  method: "post",
  path: "/message/sendText/{instance}",
  tags: ["Message"],
  summary: "Send a text message (`{number, text}` or `{number, textMessage:{text}}`)",
  security: apiKeySecurity,
  middleware: [requireInstanceAccess(), requireExistingInstance(), apiBodyLimit()] as const,
  request: {
    params: instanceParamsSchema,
    body: { required: true, content: { "application/json": { schema: sendTextBodySchema } } },
  },
  responses: {
    201: json(sentMessageSchema, "The sent message"),
    ...errorResponses(400, 401, 404, 413, 415),
    502: json(errorBodySchema, "The connector answered with a bad signature, a bad body or an error"),
    503: json(errorBodySchema, "Connector unreachable or timed out"),
  },
});

export function registerMessageRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(sendTextRoute, async (c) => {
    const instance = existingInstance(c.var.instance, c.req.valid("param").instance);
    const sent = await sendText({ config: c.var.config, env: c.env }, instance, sendTextCommand(c.req.valid("json")));
    return c.json(sent, 201);
  }, validationHook());
}
