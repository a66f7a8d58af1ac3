// The send-text command for one instance: sends with a pre-minted message id (so the socket's
// own `messages.upsert` echo can be recognised and dropped whatever the timing), then records a
// `message.sent` event in the instance's queue before answering.
import { generateMessageIDV2, proto, type WAMessage } from "@whiskeysockets/baileys";
import { toJsonSafe } from "./json-safe.ts";
import { ensureGroupMetadata } from "./session-events.ts";
import type { InstanceSession } from "./session.ts";

export class NotConnectedError extends Error {
  override name = "NotConnectedError";
}

export type SendTextInput = { jid: string; text: string; quotedId?: string | null | undefined };

export type SentMessage = {
  key: { remoteJid: string; fromMe: boolean; id: string; [extra: string]: unknown };
  message: Record<string, unknown> | null;
  messageTimestamp: number;
  status: string;
};

/** A quoted message: the stored one when known, else a minimal stand-in carrying just the id. */
function quotedMessage(session: InstanceSession, jid: string, quotedId: string): WAMessage {
  return session.ctx.messages.find(quotedId) ?? { key: { remoteJid: jid, id: quotedId, fromMe: false }, message: { conversation: "" } };
}

function statusName(status: unknown): string {
  if (typeof status === "string") return status;
  if (typeof status === "number") return proto.WebMessageInfo.Status[status] ?? String(status);
  return "PENDING";
}

/** The response shape of sendText (docs/api.md#lifecycle-and-sending) from the JSON-safe sent message. */
export function toSentMessage(wire: Record<string, unknown>): SentMessage {
  const key = (wire.key ?? {}) as SentMessage["key"];
  const message = wire.message && typeof wire.message === "object" ? (wire.message as Record<string, unknown>) : null;
  return {
    key: { ...key, remoteJid: String(key.remoteJid ?? ""), fromMe: Boolean(key.fromMe), id: String(key.id ?? "") },
    message,
    messageTimestamp: Number(wire.messageTimestamp ?? 0),
    status: statusName(wire.status),
  };
}

export async function sendText(session: InstanceSession, input: SendTextInput): Promise<SentMessage> {
  const sock = session.sock;
  if (!sock || !session.isOpen()) throw new NotConnectedError(`instance ${session.name} is not connected`);
  const id = generateMessageIDV2(sock.user?.id);
  session.ctx.messages.markApiSend(id);
  let sent: WAMessage | undefined;
  try {
    await ensureGroupMetadata(session.ctx, sock, input.jid);
    const quoted = input.quotedId ? quotedMessage(session, input.jid, input.quotedId) : undefined;
    sent = await sock.sendMessage(input.jid, { text: input.text }, { messageId: id, ...(quoted ? { quoted } : {}) });
  } catch (error) {
    session.ctx.messages.unmarkApiSend(id);
    throw error;
  }
  if (!sent) throw new Error("the socket returned no message");
  session.ctx.messages.remember(sent);
  const wire = toJsonSafe(sent) as Record<string, unknown>;
  await session.enqueue(() => session.forward("message.sent", { message: wire }));
  return toSentMessage(wire);
}
