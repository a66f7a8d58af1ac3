// `GET /connector/v1/connect` (docs/protocol.md#connector-socket): a connector's WebSocket, authenticated
// here, before the upgrade, with its own derived key; then handed to that connector's hub Durable Object.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { badRequest, unauthorized } from "../errors.ts";
import { connectorHub } from "../fleet/hub.ts";
import { log } from "../log.ts";
import { CONNECT_PATH, verifyConnectHeaders } from "../../protocol/fleet.ts";

export function registerFleetRoutes(app: OpenAPIHono<AppBindings>): void {
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
