// `PUT|GET|DELETE /connector/v1/credentials/{instance}` (docs/protocol.md#credentials): the owning
// connector's encrypted auth state. Signed with the connector's own key; refused (409) unless the
// sender owns the instance at the epoch it names. The worker stores ciphertext and never decrypts.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { ApiError, unauthorized } from "../errors.ts";
import { fleetRegistry, notifyHubs } from "../fleet/registry.ts";
import { log } from "../log.ts";
import { CREDENTIALS_PATH_PREFIX, DRAIN_PATH, MAX_CREDENTIALS_BYTES, verifyCredentialsRequest } from "../../protocol/credentials.ts";
import { instanceNameProblem } from "../../protocol/instance.ts";

const conflict = (why: string) => new ApiError("CONFLICT", `Credentials refused: ${why}`);

export function registerCredentialsRoutes(app: OpenAPIHono<AppBindings>): void {
  // `POST /connector/v1/drain`: the signed connector hands every instance on now (docs/protocol.md#drain).
  app.post(DRAIN_PATH, async function drain(c) {
    const now = Date.now();
    const check = await verifyCredentialsRequest(c.var.config.connectorSecret, (name) => c.req.header(name), "POST", "", "", now);
    if (!check.ok) {
      log.warn("drain_unauthorized", { reason: check.reason });
      throw unauthorized();
    }
    const gained = await fleetRegistry(c.env).drain(check.connectorId, now);
    await notifyHubs(c.env, gained);
    log.info("fleet_drained", { connector: check.connectorId, to: gained });
    return c.json({ movedTo: gained }, 200);
  });

  app.on(["PUT", "GET", "DELETE"], `${CREDENTIALS_PATH_PREFIX}:instance`, async function credentials(c) {
    const instance = c.req.param("instance");
    if (instanceNameProblem(instance)) throw unauthorized();
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > MAX_CREDENTIALS_BYTES) throw new ApiError("PAYLOAD_TOO_LARGE", `Credentials larger than ${MAX_CREDENTIALS_BYTES} bytes`);
    const method = c.req.method;
    const body = method === "PUT" ? await c.req.text() : "";
    if (body.length > MAX_CREDENTIALS_BYTES) throw new ApiError("PAYLOAD_TOO_LARGE", `Credentials larger than ${MAX_CREDENTIALS_BYTES} bytes`);
    const now = Date.now();
    const check = await verifyCredentialsRequest(c.var.config.connectorSecret, (name) => c.req.header(name), method, instance, body, now);
    if (!check.ok) {
      log.warn("credentials_unauthorized", { instance, reason: check.reason });
      throw unauthorized();
    }
    const registry = fleetRegistry(c.env);
    if (method === "GET") {
      const { check: owner, blob } = await registry.getCredentials(instance, check.connectorId, check.epoch, now);
      if (owner !== "ok") throw conflict(owner);
      return blob === null ? c.body(null, 204) : c.text(blob, 200);
    }
    const result = await registry.putCredentials(instance, check.connectorId, check.epoch, check.ts, method === "PUT" ? body : null, now);
    if (result !== "ok") {
      log.warn("credentials_refused", { instance, connector: check.connectorId, epoch: check.epoch, reason: result });
      throw conflict(result);
    }
    return c.body(null, 204);
  });
}
