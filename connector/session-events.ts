// Per-event handling for one instance that is not about the connection itself: drops messages
// sent through the API from `messages.upsert` (they go out as `message.sent`), attaches small
// media as base64 when a webhook wants it, and keeps the group-metadata cache fresh. Never touches the socket state.
import type { BaileysEventMap, GroupMetadata, WAMessage } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { attachBase64, mediaSize } from "./event-enrich.ts";
import { toJsonSafe, type JsonValue } from "./json-safe.ts";
import type { BoundedCache, MessageStore } from "./memory-cache.ts";
import type { ConnectorSocket, MediaDownloader } from "./socket-types.ts";

export type EventContext = {
  messages: MessageStore;
  groups: BoundedCache<GroupMetadata>;
  downloadMedia: MediaDownloader;
  mediaMaxBytes: number;
  /**
   * Some enabled webhook of the instance wants `message.base64` (the worker's `mediaBase64` setting).
   * Without one nobody reads the bytes, so nothing is downloaded: a download costs bandwidth and holds the ordered queue.
   */
  wantsMedia: () => boolean;
  /** Total time one upsert may spend on media downloads (they run in parallel). */
  mediaTimeoutMs: number;
  /** Chats the instance's settings drop at the source (status posts, newsletters, groups). */
  ignoresJid: (jid: string | null | undefined) => boolean;
  logger: Logger;
};

/** The upsert to forward (JSON-safe), or undefined when every message was an API send. */
export async function prepareUpsert(
  ctx: EventContext,
  sock: ConnectorSocket,
  upsert: BaileysEventMap["messages.upsert"],
): Promise<JsonValue | undefined> {
  // Baileys' shouldIgnoreJid drops live messages of ignored chats; offline and other paths may not.
  const kept = upsert.messages.filter((m) => !(m.key?.fromMe && ctx.messages.isApiSend(m.key.id)) && !ctx.ignoresJid(m.key?.remoteJid));
  if (kept.length === 0) return undefined;
  for (const message of kept) ctx.messages.remember(message);
  const wire = toJsonSafe({ ...upsert, messages: kept }) as { messages?: JsonValue[] };
  if (ctx.mediaMaxBytes > 0 && ctx.wantsMedia()) await attachMedia(ctx, sock, kept, wire.messages ?? []);
  return wire as JsonValue;
}

/**
 * Downloads an upsert's media in parallel under one deadline: one after another, two slow files
 * held the instance's ordered queue for twice the timeout. What is late goes without base64.
 */
async function attachMedia(ctx: EventContext, sock: ConnectorSocket, messages: WAMessage[], wire: JsonValue[]): Promise<void> {
  const deadline = deadlineAfter(ctx.mediaTimeoutMs);
  await Promise.all(
    messages.map(async (message, index) => {
      const size = mediaSize(message);
      if (size === undefined || size > ctx.mediaMaxBytes) return;
      try {
        const bytes = await Promise.race([ctx.downloadMedia(message, sock, ctx.logger), deadline.expired]);
        if (bytes.byteLength <= ctx.mediaMaxBytes) attachBase64(wire[index], bytes);
      } catch (error) {
        ctx.logger.warn({ messageId: message.key?.id, err: errorMessage(error) }, "media download failed, forwarding without base64");
      }
    }),
  );
  deadline.cancel();
}

function deadlineAfter(ms: number): { expired: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`media download timed out after ${ms} ms`)), ms);
  });
  expired.catch(() => undefined);
  return { expired, cancel: () => clearTimeout(timer) };
}

/** Keeps cachedGroupMetadata honest: store created groups, forget changed ones (refetched on next send). */
export function trackGroups(ctx: EventContext, type: string, payload: unknown): void {
  if (type === "groups.upsert") {
    for (const group of payload as GroupMetadata[]) if (group?.id) ctx.groups.set(group.id, group);
  } else if (type === "groups.update") {
    for (const group of payload as Partial<GroupMetadata>[]) if (group?.id) ctx.groups.del(group.id);
  } else if (type === "group-participants.update") {
    const id = (payload as { id?: string }).id;
    if (id) ctx.groups.del(id);
  }
}

/** Group metadata for a send, fetched once and cached (Baileys otherwise queries on every group send). */
export async function ensureGroupMetadata(ctx: EventContext, sock: ConnectorSocket, jid: string): Promise<void> {
  if (!jid.endsWith("@g.us") || ctx.groups.get(jid)) return;
  try {
    ctx.groups.set(jid, await sock.groupMetadata(jid));
  } catch (error) {
    ctx.logger.warn({ jid, err: errorMessage(error) }, "group metadata fetch failed");
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
