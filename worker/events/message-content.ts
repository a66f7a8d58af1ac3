// Reads a WAMessage's content: unwraps container messages, names the content type, finds the
// reply context and guesses the sender's device. Pure: no I/O, no clock.
import { isRecord, nonEmpty, type JsonRecord } from "./guards.ts";

/** Keys that sit beside the content and never name it. `base64` is added by the connector. */
const NON_CONTENT_KEYS = new Set(["messageContextInfo", "senderKeyDistributionMessage", "base64"]);

/** Containers whose `.message` holds the real content. */
const WRAPPERS = [
  "ephemeralMessage",
  "viewOnceMessage",
  "viewOnceMessageV2",
  "viewOnceMessageV2Extension",
  "documentWithCaptionMessage",
  "deviceSentMessage",
] as const;

/** Content types that are not user messages: never delivered as upserts. */
const SKIPPED_TYPES = new Set(["protocolMessage", "pollUpdateMessage", "keepInChatMessage"]);

export function contentKeys(message: JsonRecord): string[] {
  return Object.keys(message).filter((key) => !NON_CONTENT_KEYS.has(key) && message[key] != null);
}

/**
 * Removes container layers (at most 3), keeping the outer `messageContextInfo` and `base64`
 * when the inner content has none, so `data.message.imageMessage` reads the same either way.
 */
export function unwrapMessage(message: JsonRecord): JsonRecord {
  let current = message;
  for (let depth = 0; depth < 3; depth++) {
    const [only] = contentKeys(current);
    const wrapper = WRAPPERS.find((name) => name === only);
    const inner = wrapper ? current[wrapper] : undefined;
    if (!isRecord(inner) || !isRecord(inner.message)) break;
    const next: JsonRecord = { ...inner.message };
    for (const key of ["messageContextInfo", "base64"]) {
      if (current[key] !== undefined && next[key] === undefined) next[key] = current[key];
    }
    current = next;
  }
  return current;
}

/** The first content key, or undefined when there is none. */
export function messageType(message: JsonRecord): string | undefined {
  return contentKeys(message)[0];
}

export function isDeliverableType(type: string | undefined): type is string {
  return type !== undefined && !SKIPPED_TYPES.has(type);
}

/** The content's own `contextInfo` (replies, mentions, forwards), when it is an object. */
export function contextInfoOf(message: JsonRecord, type: string): JsonRecord | undefined {
  const content = message[type];
  return isRecord(content) && isRecord(content.contextInfo) ? content.contextInfo : undefined;
}

export type MessageSource = "android" | "ios" | "web" | "desktop" | "unknown";

/**
 * The sending device, guessed from the message id's shape (each client generates ids its
 * own way): `3A` + 18 chars → ios; `3EB0`/`3E` + 20 chars → web (Baileys and WhatsApp Web);
 * 21 or 32 chars → android; `3F` prefix or 18 chars → desktop; anything else → unknown.
 */
export function messageSource(id: unknown): MessageSource {
  const value = nonEmpty(id);
  if (!value) return "unknown";
  if (/^3A.{18}$/.test(value)) return "ios";
  if (/^3E.{20}$/.test(value)) return "web";
  if (/^(.{21}|.{32})$/.test(value)) return "android";
  if (/^3F/.test(value) || value.length === 18) return "desktop";
  return "unknown";
}
