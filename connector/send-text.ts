// The send-text command for one instance: sends with a pre-minted message id (so the socket's
// own `messages.upsert` echo can be recognised and dropped whatever the timing), then writes a
// `message.sent` event to the outbox before answering, without waiting for the instance's queue.
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
  quoteDropped?: true;
};

/**
 * The message to quote, only when the instance knows it: a made-up stand-in (`fromMe: false`,
 * empty text) showed recipients a broken quote, so an unknown id is sent without one.
 */
function knownQuote(session: InstanceSession, quotedId: string | null | undefined): { quoted?: WAMessage; quoteDropped: boolean } {
  if (!quotedId) return { quoteDropped: false };
  const quoted = session.ctx.messages.find(quotedId);
  if (quoted) return { quoted, quoteDropped: false };
  session.ctx.logger.info({ quotedId }, "quoted message unknown, sent without the quote");
  return { quoteDropped: true };
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
  const { quoted, quoteDropped } = knownQuote(session, input.quotedId);
  try {
    await ensureGroupMetadata(session.ctx, sock, input.jid);
    sent = await sock.sendMessage(input.jid, { text: input.text }, { messageId: id, ...(quoted ? { quoted } : {}) });
  } catch (error) {
    session.ctx.messages.unmarkApiSend(id);
    throw error;
  }
  if (!sent) throw new Error("the socket returned no message");
  session.ctx.messages.remember(sent);
  const wire = toJsonSafe(sent) as Record<string, unknown>;
  // Written now, not behind the instance's queue: a slow inbound media download there held the
  // answer past the worker's timeout although the message had gone out (and a retry sent it twice).
  session.forward("message.sent", { message: wire });
  return quoteDropped ? { ...toSentMessage(wire), quoteDropped: true } : toSentMessage(wire);
}
