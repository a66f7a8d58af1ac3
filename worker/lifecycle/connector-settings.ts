// The settings the owning connector applies (docs/protocol.md#commands): Evolution's settings from D1
// plus `mediaBase64`, derived from the instance's webhooks. They go with every connect command and
// are pushed again after a webhook change and when an instance opens; those pushes are best effort.
import type { ConnectorClient } from "../connector-client/transport.ts";
import { pushSettingsToConnector } from "../connector-client/instance-commands.ts";
import { log } from "../log.ts";
import type { ConnectorSettings } from "../../protocol/commands.ts";
import type { IngestEnvelope } from "../../protocol/envelope.ts";
import { findInstanceSettings } from "../storage/instance-settings.ts";
import { findInstanceById, findInstanceByName } from "../storage/instances.ts";
import type { InstanceRow } from "../storage/schema.ts";
import { wantsMediaBase64 } from "../storage/webhooks.ts";
import { neverReachedConnector } from "./connection.ts";

/** A best-effort push waits at most this long: a webhook route must not hang on a stuck connector. */
export const SETTINGS_SYNC_TIMEOUT_MS = 5_000;

export async function connectorSettingsOf(d1: D1Database, instanceId: string): Promise<ConnectorSettings> {
  const [settings, mediaBase64] = await Promise.all([findInstanceSettings(d1, instanceId), wantsMediaBase64(d1, instanceId)]);
  return { ...settings, mediaBase64 };
}

/**
 * Pushes the instance's settings after its webhooks changed. Never throws and never fails the
 * caller: an unreachable connector gets them with the next connect command or when the instance
 * next opens (docs/decisions.md). An instance no connector has reported gets them on connect.
 */
export async function syncConnectorSettings(deps: ConnectorClient, d1: D1Database, instance: InstanceRow, reason: string): Promise<boolean> {
  if (neverReachedConnector(instance)) return false;
  const timeoutMs = Math.min(deps.config.connectorCommandTimeoutMs, SETTINGS_SYNC_TIMEOUT_MS);
  try {
    const settings = await connectorSettingsOf(d1, instance.id);
    await pushSettingsToConnector({ ...deps, config: { ...deps.config, connectorCommandTimeoutMs: timeoutMs } }, instance.name, settings);
    log.info("connector_settings_pushed", { instance: instance.name, reason, mediaBase64: settings.mediaBase64 });
    return true;
  } catch (err) {
    log.warn("connector_settings_push_failed", { instance: instance.name, reason, error: err instanceof Error ? err.message : String(err) });
    return false;
  }
}

/** A failed instance lookup skips that push (logged): the callers must never fail because of it. */
const lookupFailed = (instance: string, reason: string) => (err: unknown): undefined => {
  log.warn("connector_settings_push_failed", { instance, reason, error: err instanceof Error ? err.message : String(err) });
  return undefined;
};

/** Instances of a batch that reported `connection.update` open. Pure. */
export function openedInstances(envelope: IngestEnvelope): string[] {
  const opened = envelope.events.filter((e) => e.type === "connection.update" && (e.payload as { connection?: unknown } | null)?.connection === "open");
  return [...new Set(opened.map((e) => e.instance))];
}

/**
 * Pushes the settings of instances that just opened: a push missed while the connector was down,
 * or a connector that took the instance over, is corrected at the next open.
 */
export async function syncOpenedInstances(deps: ConnectorClient, d1: D1Database, names: string[]): Promise<void> {
  for (const name of names) {
    const instance = await findInstanceByName(d1, name).catch(lookupFailed(name, "opened"));
    if (instance) await syncConnectorSettings(deps, d1, instance, "opened");
  }
}

/** After webhooks were disabled by delivery (410 Gone, auto-disable): the instances they belong to, each once. */
export async function syncInstancesById(deps: ConnectorClient, d1: D1Database, instanceIds: string[], reason: string): Promise<void> {
  for (const id of new Set(instanceIds)) {
    const instance = await findInstanceById(d1, id).catch(lookupFailed(id, reason));
    if (instance) await syncConnectorSettings(deps, d1, instance, reason);
  }
}
