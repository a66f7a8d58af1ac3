// Helpers around one Baileys socket that the session state machine uses: taking history chunks
// before the event buffer merges them, flushing the buffer before a socket goes, the line logged
// when WhatsApp refuses the WA Web version, and the session's slice of the sent-message store.
import { DEFAULT_CONNECTION_CONFIG, type BaileysEventMap } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { WaVersion } from "./config.ts";
import type { MessageBacking } from "./memory-cache.ts";
import type { SentMessageStore } from "./sent-messages.ts";
import { errorMessage } from "./session-events.ts";
import type { ConnectorSocket } from "./socket-types.ts";

/**
 * rc14's event buffer merges every history chunk it holds into one `messaging-history.set`
 * carrying the last chunk's syncType (so first-sync contacts could go out as an upsert); each
 * chunk goes to `take` as Baileys emits it, before the buffer sees it, while `isCurrent()`.
 */
export function takeHistoryChunks(sock: ConnectorSocket, isCurrent: () => boolean, take: (chunk: BaileysEventMap["messaging-history.set"]) => void): void {
  const emit = sock.ev.emit.bind(sock.ev);
  sock.ev.emit = ((event: keyof BaileysEventMap, data: unknown) => {
    if (event !== "messaging-history.set" || !isCurrent()) return emit(event, data as never);
    take(data as BaileysEventMap["messaging-history.set"]);
    return true;
  }) as typeof sock.ev.emit;
}

/** Emits what Baileys' event buffer holds (synchronously, to the still-subscribed listener). */
export function flushBuffered(sock: ConnectorSocket): void {
  if (sock.ev.isBuffering()) sock.ev.flush();
}

/** The one line an operator needs when WhatsApp refuses the WA Web version: what to set. */
export function logVersionRejected(logger: Logger, configured: WaVersion | undefined): void {
  const version = (configured ?? DEFAULT_CONNECTION_CONFIG.version).join(".");
  logger.error(
    { statusCode: 405, action: "version-rejected", waVersion: version },
    `WhatsApp rejected WA Web version ${version} (405); the instance stays down: set WA_VERSION to the current WhatsApp Web version (e.g. 2.3000.1043857760) and restart the connector`,
  );
}

/** One instance's slice of the on-disk sent-message store; a disk error is logged, never thrown into a send. */
export function sentMessageBacking(store: SentMessageStore, instance: string, logger: Logger): MessageBacking {
  return {
    save: (message) => {
      try {
        store.save(instance, message);
      } catch (error) {
        logger.error({ messageId: message.key?.id, err: errorMessage(error) }, "saving a sent message failed");
      }
    },
    find: (id) => store.find(instance, id),
  };
}
