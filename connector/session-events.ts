// Per-event handling for one instance that is not about the connection itself: drops messages
// sent through the API from `messages.upsert` (they go out as `message.sent`), attaches small
// media as base64, and keeps the group-metadata cache fresh. Never touches the socket state.
import type { BaileysEventMap, GroupMetadata, WAMessage } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { attachBase64, mediaSize, withTimeout } from "./event-enrich.ts";
import { toJsonSafe, type JsonValue } from "./json-safe.ts";
import type { BoundedCache, MessageStore } from "./memory-cache.ts";
import type { ConnectorSocket, MediaDownloader } from "./socket-types.ts";

export type EventContext = {
  messages: MessageStore;
  groups: BoundedCache<GroupMetadata>;
  downloadMedia: MediaDownloader;
  mediaMaxBytes: number;
  mediaTimeoutMs: number;
  logger: Logger;
};

/** The upsert to forward (JSON-safe), or undefined when every message was an API send. */
export async function prepareUpsert(
  ctx: EventContext,
  sock: ConnectorSocket,
  upsert: BaileysEventMap["messages.upsert"],
): Promise<JsonValue | undefined> {
  const kept = upsert.messages.filter((m) => !(m.key?.fromMe && ctx.messages.isApiSend(m.key.id)));
  if (kept.length === 0) return undefined;
  for (const message of kept) ctx.messages.remember(message);
  const wire = toJsonSafe({ ...upsert, messages: kept }) as { messages?: JsonValue[] };
  if (ctx.mediaMaxBytes > 0) await attachMedia(ctx, sock, kept, wire.messages ?? []);
  return wire as JsonValue;
}

async function attachMedia(ctx: EventContext, sock: ConnectorSocket, messages: WAMessage[], wire: JsonValue[]): Promise<void> {
  for (const [index, message] of messages.entries()) {
    const size = mediaSize(message);
    if (size === undefined || size > ctx.mediaMaxBytes) continue;
    try {
      const bytes = await withTimeout(ctx.downloadMedia(message, sock, ctx.logger), ctx.mediaTimeoutMs, "media download");
      if (bytes.byteLength <= ctx.mediaMaxBytes) attachBase64(wire[index], bytes);
    } catch (error) {
      ctx.logger.warn({ messageId: message.key?.id, err: errorMessage(error) }, "media download failed, forwarding without base64");
    }
  }
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
