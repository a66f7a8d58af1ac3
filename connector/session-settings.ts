// What Evolution's instance settings make the connector do on the socket (docs/connector.md#instance-settings):
// reject incoming calls (and answer with `msgCall`), mark inbound messages read, keep the
// account online. Each action is best effort: a failure is logged and never stops the event.
import type { BaileysEventMap, WACallEvent } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { InstanceSettings } from "./instance-settings.ts";
import { errorMessage } from "./session-events.ts";
import type { ConnectorSocket } from "./socket-types.ts";

/** `rejectCall`: every new call offer is rejected, then `msgCall` (if any) is sent to the caller. */
export async function rejectCalls(settings: InstanceSettings, sock: ConnectorSocket, calls: WACallEvent[], logger: Logger): Promise<void> {
  if (!settings.rejectCall) return;
  for (const call of calls) {
    if (call.status !== "offer" || call.offline) continue;
    try {
      await sock.rejectCall(call.id, call.from);
      if (settings.msgCall) await sock.sendMessage(call.from, { text: settings.msgCall });
      logger.info({ callId: call.id }, "call rejected (rejectCall)");
    } catch (error) {
      logger.warn({ callId: call.id, err: errorMessage(error) }, "rejecting a call failed");
    }
  }
}

/** `readMessages`: live inbound messages are marked read (status posts only with `readStatus`). */
export async function markRead(settings: InstanceSettings, sock: ConnectorSocket, upsert: BaileysEventMap["messages.upsert"], logger: Logger): Promise<void> {
  if (!settings.readMessages || upsert.type !== "notify") return;
  const keys = upsert.messages
    .map((m) => m.key)
    .filter((key) => key && !key.fromMe && key.remoteJid && (key.remoteJid !== "status@broadcast" || settings.readStatus));
  if (keys.length === 0) return;
  try {
    await sock.readMessages(keys);
  } catch (error) {
    logger.warn({ err: errorMessage(error) }, "marking messages read failed");
  }
}

/** `alwaysOnline`: available presence now (and `markOnlineOnConnect` on the next socket); off → unavailable. */
export async function applyPresence(settings: InstanceSettings, sock: ConnectorSocket, logger: Logger): Promise<void> {
  try {
    await sock.sendPresenceUpdate(settings.alwaysOnline ? "available" : "unavailable");
  } catch (error) {
    logger.warn({ err: errorMessage(error) }, "presence update failed");
  }
}
