// Evolution's per-instance settings as the connector applies them (docs/connector.md#instance-settings),
// plus the worker-derived `mediaBase64`, and which chats they make the connector ignore at the source.
// Pure: no I/O, no clock.
import { isJidGroup, isJidNewsletter, isJidStatusBroadcast } from "@whiskeysockets/baileys";
import { DEFAULT_CONNECTOR_SETTINGS, type ConnectorSettings, type InstanceSettings } from "../protocol/commands.ts";

export { DEFAULT_CONNECTOR_SETTINGS, type ConnectorSettings, type InstanceSettings };

/**
 * True for chats whose messages are dropped before they are decrypted: newsletters always,
 * contacts' status posts (`status@broadcast`) unless `readStatus`, groups when `groupsIgnore`.
 * Bots answered status posts as if they were messages; nobody asked for channel traffic.
 */
export function ignoresJid(settings: InstanceSettings, jid: string | null | undefined): boolean {
  if (!jid) return false;
  if (isJidNewsletter(jid)) return true;
  if (isJidStatusBroadcast(jid)) return !settings.readStatus;
  return settings.groupsIgnore && isJidGroup(jid) === true;
}
