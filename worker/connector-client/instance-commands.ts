// Typed connector commands (COMMAND_PATHS) and how their error answers map to API errors.
// A 404 from the connector means "no session for this instance"; 409 means "not connected".
import { z } from "zod";
import { badRequest, notConnected } from "../errors.ts";
import {
  COMMAND_METHODS,
  COMMAND_PATHS,
  instanceStatusSchema,
  sendTextResponseSchema,
  settingsResponseSchema,
  type ConnectorSettings,
  type InstanceStatus,
  type sendTextRequestSchema,
} from "../../protocol/commands.ts";
import { fleetRegistry } from "../fleet/registry.ts";
import { rejectionError, sendCommand, type CommandRejection, type ConnectorClient } from "./transport.ts";

export type SendTextRequest = z.input<typeof sendTextRequestSchema>;
export type SentMessage = z.infer<typeof sendTextResponseSchema>;


/** Logout and remove answer with a small status body; only the signature and status matter. */
const acknowledgementSchema = z.unknown();

const isNoSession = (r: CommandRejection) => r.status === 404 || r.status === 409;

/** Live state; an instance the connector has no session for is `close`. */
export async function fetchConnectorState(deps: ConnectorClient, name: string): Promise<InstanceStatus> {
  const result = await sendCommand(deps, { name: "read state", method: COMMAND_METHODS.state, path: COMMAND_PATHS.state(name), schema: instanceStatusSchema });
  if (result.ok) return result.data;
  if (result.status === 404) return { instance: name, state: "close" };
  throw rejectionError("read state", result);
}

/**
 * Starts (or reuses) the socket; the connector waits briefly for a QR, a pairing code or open.
 * `settings` are applied before the socket starts, so its first events already follow them.
 */
export async function connectOnConnector(deps: ConnectorClient, name: string, settings: ConnectorSettings, number?: string): Promise<InstanceStatus> {
  const result = await sendCommand(deps, {
    name: "connect",
    method: COMMAND_METHODS.connect,
    path: COMMAND_PATHS.connect(name),
    body: { number: number ?? null, settings },
    schema: instanceStatusSchema,
    placement: "place",
  });
  if (result.ok) return result.data;
  throw rejectionError("connect", result);
}

export async function restartOnConnector(deps: ConnectorClient, name: string): Promise<InstanceStatus> {
  const result = await sendCommand(deps, {
    name: "restart",
    method: COMMAND_METHODS.restart,
    path: COMMAND_PATHS.restart(name),
    schema: instanceStatusSchema,
    placement: "place",
  });
  if (result.ok) return result.data;
  throw rejectionError("restart", result);
}

/** Logs the WhatsApp session out; 400 (Evolution) when it is not connected. */
export async function logoutOnConnector(deps: ConnectorClient, name: string): Promise<void> {
  const result = await sendCommand(deps, { name: "logout", method: COMMAND_METHODS.logout, path: COMMAND_PATHS.logout(name), schema: acknowledgementSchema });
  if (result.ok) return;
  if (isNoSession(result)) throw notConnected(name);
  throw rejectionError("logout", result);
}

/** Logs out if needed and wipes the credentials; an unknown instance is already removed. */
export async function removeOnConnector(deps: ConnectorClient, name: string): Promise<void> {
  const result = await sendCommand(deps, { name: "remove", method: COMMAND_METHODS.remove, path: COMMAND_PATHS.remove(name), schema: acknowledgementSchema });
  if (result.ok || result.status === 404) {
    // Removed: nobody owns it any more (its epoch is kept, so a recreated name starts higher).
    await fleetRegistry(deps.env).forget(name);
    return;
  }
  throw rejectionError("remove the instance", result);
}

export async function sendTextOnConnector(deps: ConnectorClient, name: string, request: SendTextRequest): Promise<SentMessage> {
  const result = await sendCommand(deps, {
    name: "send text",
    method: COMMAND_METHODS.sendText,
    path: COMMAND_PATHS.sendText(name),
    body: request,
    schema: sendTextResponseSchema,
  });
  if (result.ok) return result.data;
  if (isNoSession(result)) throw notConnected(name);
  if (result.status === 400) throw badRequest([result.message]);
  throw rejectionError("send the message", result);
}

/**
 * Pushes the instance's settings to its owner, which applies them live and keeps them. No owner:
 * nothing runs the instance; they go with its next connect or assignment list.
 */
export async function pushSettingsToConnector(deps: ConnectorClient, name: string, settings: ConnectorSettings): Promise<ConnectorSettings> {
  const result = await sendCommand(deps, {
    name: "apply the settings",
    method: COMMAND_METHODS.settings,
    path: COMMAND_PATHS.settings(name),
    body: settings,
    schema: settingsResponseSchema,
  });
  if (result.ok) return result.data.settings;
  if (result.status === 404) return settings;
  throw rejectionError("apply the settings", result);
}
