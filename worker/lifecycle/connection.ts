// Instance lifecycle operations that involve the connector: live state with a D1 fallback,
// connect (also the first QR on create), removal before delete, and sending text.
// The routes call these; no HTTP shaping here beyond the ApiErrors they throw.
import type { ConnectorClient } from "../connector-client/transport.ts";
import {
  connectOnConnector,
  fetchConnectorState,
  removeOnConnector,
  sendTextOnConnector,
  type SendTextRequest,
  type SentMessage,
} from "../connector-client/instance-commands.ts";
import { ApiError, notConnected } from "../errors.ts";
import { log } from "../log.ts";
import type { ConnectorSettings } from "../../protocol/commands.ts";
import type { ConnectionState } from "../../protocol/instance.ts";
import { createQrBody, storedConnectionState } from "../schemas/lifecycle.ts";
import type { InstanceRow } from "../storage/schema.ts";

export type StateSource = "connector" | "stored";
type CreateQrBody = NonNullable<ReturnType<typeof createQrBody>>;

const isUnreachable = (err: unknown): err is ApiError => err instanceof ApiError && err.code === "CONNECTOR_UNAVAILABLE";

/** Live state from the connector; when it is unreachable, the last state stored in D1. */
export async function currentConnectionState(deps: ConnectorClient, instance: InstanceRow): Promise<{ state: ConnectionState; source: StateSource }> {
  try {
    const status = await fetchConnectorState(deps, instance.name);
    return { state: status.state, source: "connector" };
  } catch (err) {
    if (!isUnreachable(err)) throw err;
    log.warn("connection_state_from_d1", { instance: instance.name, reason: err.message });
    return { state: storedConnectionState(instance.status), source: "stored" };
  }
}

/**
 * For `POST /instance/create` with `qrcode: true`: connect and return the first QR / pairing
 * code. Never fails the create: on any connector problem the instance exists without a QR.
 */
export async function firstQrCode(deps: ConnectorClient, instanceName: string, settings: ConnectorSettings, number?: string): Promise<CreateQrBody | undefined> {
  try {
    const status = await connectOnConnector(deps, instanceName, settings, number?.replace(/^\+/, ""));
    return createQrBody(status);
  } catch (err) {
    log.warn("create_connect_failed", { instance: instanceName, reason: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

/**
 * For `DELETE /instance/delete`: the connector logs out and wipes the credentials first, so
 * none are left orphaned. Unreachable → 503 unless `force`, which deletes anyway (logged).
 */
export async function removeFromConnector(deps: ConnectorClient, instanceName: string, force: boolean): Promise<void> {
  try {
    await removeOnConnector(deps, instanceName);
  } catch (err) {
    if (!force || !isUnreachable(err)) throw err;
    log.warn("delete_forced_without_connector", { instance: instanceName, reason: err.message });
  }
}

/** Still `created` and never reported by a connector: no connector has heard of it (docs/api.md#lifecycle-and-sending). */
export const neverReachedConnector = (instance: InstanceRow): boolean => instance.status === "created" && instance.connectorId === null;

/**
 * For deleting an instance no connector ever reported: the wipe is still tried (a connect may
 * have started a session whose first event is not in yet), but no failure stops the delete.
 */
export async function removeNeverConnected(deps: ConnectorClient, instanceName: string): Promise<void> {
  try {
    await removeOnConnector(deps, instanceName);
  } catch (err) {
    log.info("delete_without_connector", { instance: instanceName, reason: err instanceof Error ? err.message : String(err) });
  }
}

/** Sends a text if D1 says the instance is open; the connector's 409 is the same 400. */
export async function sendText(deps: ConnectorClient, instance: InstanceRow, request: SendTextRequest): Promise<SentMessage> {
  if (instance.status !== "open") throw notConnected(instance.name);
  return sendTextOnConnector(deps, instance.name, request);
}
