// `GET /connector/v1/connect` (docs/protocol.md#connector-socket): a connector's WebSocket, authenticated
// here, before the upgrade, with its own derived key; then handed to that connector's hub Durable Object.
// `GET /connectors` (global key): the fleet as the registry sees it.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { badRequest, unauthorized } from "../errors.ts";
import { connectorHub } from "../fleet/hub.ts";
import { log } from "../log.ts";
import { requireGlobalKey } from "../auth.ts";
import { fleetRegistry } from "../fleet/registry.ts";
import { apiKeySecurity, errorResponses, json } from "../schemas/common.ts";
import { CONNECT_PATH, verifyConnectHeaders } from "../../protocol/fleet.ts";

const connectorItemSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    live: z.boolean().openapi({ description: "Connected with a lease that holds" }),
    capacity: z.number().int(),
    instances: z.number().int().openapi({ description: "Instances it owns now" }),
    lastSeenAt: z.string().openapi({ description: "Last connection or lease renewal (ISO-8601)" }),
  })
  .openapi("Connector");

const connectorsRoute = createRoute({
  method: "get",
  path: "/connectors",
  tags: ["Connector"],
  summary: "The connectors of the fleet",
  security: apiKeySecurity,
  middleware: [requireGlobalKey()] as const,
  responses: { 200: json(connectorItemSchema.array(), "Every connector that ever connected"), ...errorResponses(401) },
});

export function registerFleetRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openapi(connectorsRoute, async (c) => {
    const connectors = await fleetRegistry(c.env).connectors(Date.now());
    return c.json(connectors.map(({ draining: _draining, lastSeenAt, ...rest }) => ({ ...rest, lastSeenAt: new Date(lastSeenAt).toISOString() })), 200);
  });

  app.get(CONNECT_PATH, async function connectorSocket(c) {
    const check = await verifyConnectHeaders(c.var.config.connectorSecret, (name) => c.req.header(name), Date.now());
    if (!check.ok) {
      log.warn("connector_connect_unauthorized", { reason: check.reason });
      throw unauthorized();
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw badRequest("Expected a WebSocket upgrade");
    return connectorHub(c.env, check.connectorId).fetch(c.req.raw);
  });
}
