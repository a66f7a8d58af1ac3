// Connector lifecycle: `connector.startup`, `connection.update` (QR codes and connection state)
// and the instance-row patch those imply. Pure: no I/O, no clock.
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import { CONNECTION_STATES, type ConnectionState } from "../../protocol/instance.ts";
import { WEBHOOK_EVENTS } from "./names.ts";
import { bareJid, compact, isRecord, nonEmpty, str, toInteger, type JsonRecord } from "./guards.ts";
import type { Emission, Mapper } from "./emission.ts";
import type { InstanceStatePatch } from "./types.ts";


function payloadOf(event: ConnectorEvent): JsonRecord {
  return isRecord(event.payload) ? event.payload : {};
}

function connectionState(payload: JsonRecord): ConnectionState | undefined {
  return CONNECTION_STATES.find((state) => state === payload.connection);
}

/**
 * The disconnect status code: Boom's `error.output.statusCode` (E19/E20), the connector's
 * JSON-safe `error.statusCode`, or Boom's `output.payload.statusCode`.
 */
export function disconnectCode(payload: JsonRecord): number | undefined {
  const last = payload.lastDisconnect;
  const error = isRecord(last) ? last.error : undefined;
  if (!isRecord(error)) return undefined;
  const output = isRecord(error.output) ? error.output : {};
  const outputPayload = isRecord(output.payload) ? output.payload : {};
  return toInteger(output.statusCode) ?? toInteger(error.statusCode) ?? toInteger(outputPayload.statusCode);
}

/** 200 when open or connecting (Evolution's default), the disconnect code when closed. */
function statusReason(state: ConnectionState, payload: JsonRecord): number | undefined {
  return state === "close" ? disconnectCode(payload) : 200;
}

/** `application.startup` data: `{instance, connector?, version?}` from the connector's payload. */
export const mapConnectorStartup: Mapper = (event) => {
  const payload = payloadOf(event);
  const data = compact({ instance: event.instance, connector: nonEmpty(payload.connector), version: nonEmpty(payload.version) });
  return [{ event: WEBHOOK_EVENTS.APPLICATION_STARTUP, data }];
};

function qrEmission(event: ConnectorEvent, payload: JsonRecord): Emission | undefined {
  const code = nonEmpty(payload.qr);
  if (!code) return undefined;
  const qrcode = compact({
    instance: event.instance,
    pairingCode: nonEmpty(payload.pairingCode) ?? null,
    code,
    base64: str(payload.qrBase64),
  });
  return { event: WEBHOOK_EVENTS.QRCODE_UPDATED, data: { qrcode } };
}

function stateEmission(event: ConnectorEvent, payload: JsonRecord): Emission | undefined {
  const state = connectionState(payload);
  if (!state) return undefined;
  const open = state === "open";
  const data = compact({
    instance: event.instance,
    state,
    statusReason: statusReason(state, payload),
    wuid: open && event.me ? bareJid(event.me.id) : undefined,
    profileName: open ? (nonEmpty(event.me?.name) ?? undefined) : undefined,
  });
  return { event: WEBHOOK_EVENTS.CONNECTION_UPDATE, data };
}

/** `qr` → qrcode.updated; `connection` → connection.update; flag-only updates → nothing. */
export const mapConnectionUpdate: Mapper = (event) => {
  const payload = payloadOf(event);
  return [qrEmission(event, payload), stateEmission(event, payload)].filter((e): e is Emission => e !== undefined);
};

/** What the worker stores on the instance row after a `connection.update` with a state. */
export function connectionStatePatch(event: ConnectorEvent): InstanceStatePatch | undefined {
  if (event.type !== "connection.update") return undefined;
  const payload = payloadOf(event);
  const state = connectionState(payload);
  if (state === "connecting") return { status: "connecting" };
  if (state === "close") return { status: "close", statusReason: disconnectCode(payload) ?? null };
  if (state !== "open") return undefined;
  return compact({
    status: "open" as const,
    statusReason: 200,
    ownerJid: event.me ? bareJid(event.me.id) : undefined,
    profileName: nonEmpty(event.me?.name),
  });
}
