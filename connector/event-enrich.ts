// Derived fields the connector adds to raw Baileys payloads before they go to the outbox:
// the QR as a PNG data URL, and media bytes (base64) on small media upserts. Only what the
// worker needs; failures are the caller's to log and never block the event.
import { getContentType, normalizeMessageContent, type WAMessage } from "@whiskeysockets/baileys";
import QRCode from "qrcode";
import type { JsonValue } from "./json-safe.ts";

const MEDIA_TYPES = new Set(["imageMessage", "audioMessage", "videoMessage", "ptvMessage", "documentMessage", "stickerMessage"]);

/** `data:image/png;base64,…` rendering of a QR string. */
export function qrDataUrl(code: string): Promise<string> {
  return QRCode.toDataURL(code);
}

function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return Number(value);
  if (value && typeof value === "object" && "toNumber" in value && typeof value.toNumber === "function") return Number(value.toNumber());
  return Number.NaN;
}

/** Declared size of a downloadable media message, or undefined when it is not one. */
export function mediaSize(message: WAMessage): number | undefined {
  const content = normalizeMessageContent(message.message);
  const type = getContentType(content ?? undefined);
  if (!content || !type || !MEDIA_TYPES.has(type)) return undefined;
  const media = content[type] as { fileLength?: unknown; directPath?: unknown; url?: unknown } | null | undefined;
  if (!media || (!media.directPath && !media.url)) return undefined;
  const size = toNumber(media.fileLength);
  return Number.isFinite(size) ? size : undefined;
}

/** Puts base64 bytes at `message.base64` of the JSON-safe copy of a message. */
export function attachBase64(wireMessage: JsonValue | undefined, bytes: Uint8Array): void {
  if (!wireMessage || typeof wireMessage !== "object" || Array.isArray(wireMessage)) return;
  const inner = wireMessage.message;
  if (!inner || typeof inner !== "object" || Array.isArray(inner)) return;
  inner.base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
