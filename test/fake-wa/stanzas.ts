// Pure builders for the stanzas the fake server pushes to a client (shapes per
// /work/shared/reference/wa-wire-stanzas.md). No I/O, no clock: callers pass ids and `t`.
import { deflateSync } from "node:zlib";
import { proto, type BinaryNode } from "@whiskeysockets/baileys";

export type Attrs = Record<string, string>;

/** Drops undefined values so optional attributes never reach the encoder. */
export function attrs(input: Record<string, string | number | undefined>): Attrs {
  const out: Attrs = {};
  for (const [key, value] of Object.entries(input)) if (value !== undefined) out[key] = String(value);
  return out;
}

export const streamErrorNode = (code: number): BinaryNode => {
  if (code === 440) return { tag: "stream:error", attrs: {}, content: [{ tag: "conflict", attrs: { type: "replaced" } }] };
  if (code === 401) {
    return { tag: "stream:error", attrs: { code: "401" }, content: [{ tag: "conflict", attrs: { type: "device_removed" } }] };
  }
  return { tag: "stream:error", attrs: { code: String(code) } };
};

export const receiptNode = (a: { id: string; from: string; participant?: string; type?: string; t: number }): BinaryNode => ({
  tag: "receipt", attrs: attrs({ from: a.from, id: a.id, participant: a.participant, type: a.type, t: a.t }),
});

export const presenceNode = (from: string, type: "available" | "unavailable", lastSeen?: number): BinaryNode => ({
  tag: "presence", attrs: attrs({ from, type, last: lastSeen }),
});

export const chatstateNode = (
  from: string, state: "composing" | "recording" | "paused", participant?: string,
): BinaryNode => ({
  tag: "chatstate", attrs: attrs({ from, participant }),
  content: [state === "recording" ? { tag: "composing", attrs: { media: "audio" } } : { tag: state, attrs: {} }],
});

export const callOfferNode = (a: { from: string; id: string; callId: string; t: number; video?: boolean }): BinaryNode => ({
  tag: "call", attrs: attrs({ from: a.from, id: a.id, t: a.t }),
  content: [{
    tag: "offer", attrs: { "call-id": a.callId, "call-creator": a.from },
    content: [a.video ? { tag: "video", attrs: { enc: "vp8", dec: "vp8" } } : { tag: "audio", attrs: { enc: "opus", rate: "16000" } }],
  }],
});

export interface GroupParticipantRef { jid: string; phoneNumber?: string; lid?: string; admin?: "admin" | "superadmin" }

const participantNode = (p: GroupParticipantRef): BinaryNode => ({
  tag: "participant", attrs: attrs({ jid: p.jid, phone_number: p.phoneNumber, lid: p.lid, type: p.admin }),
});

export interface GroupInfo {
  id: string; subject: string; creator: string; creation: number; participants: GroupParticipantRef[];
  addressingMode?: "pn" | "lid";
}

export const groupNode = (g: GroupInfo): BinaryNode => ({
  tag: "group",
  attrs: attrs({
    id: g.id.split("@")[0], subject: g.subject, creation: g.creation, creator: g.creator, s_t: g.creation, s_o: g.creator,
    size: g.participants.length, addressing_mode: g.addressingMode ?? "pn",
  }),
  content: g.participants.map(participantNode),
});

/** `w:gp2` notification: `action` child is create | add | remove | promote | demote | subject. */
export function groupNotificationNode(a: {
  id: string; group: string; author: string; authorPn?: string; t: number;
  change: { action: "add" | "remove" | "promote" | "demote" | "leave"; participants: GroupParticipantRef[] }
    | { action: "subject"; subject: string } | { action: "create"; info: GroupInfo };
}): BinaryNode {
  const { change } = a;
  let child: BinaryNode;
  if (change.action === "subject") child = { tag: "subject", attrs: { subject: change.subject, s_o: a.author, s_t: String(a.t) } };
  else if (change.action === "create") child = { tag: "create", attrs: {}, content: [groupNode(change.info)] };
  else child = { tag: change.action, attrs: {}, content: change.participants.map(participantNode) };
  return {
    tag: "notification",
    attrs: attrs({
      from: a.group, type: "w:gp2", id: a.id, participant: a.author, participant_pn: a.authorPn, t: a.t,
      addressing_mode: a.author.endsWith("@lid") ? "lid" : undefined,
    }),
    content: [child],
  };
}

export interface MessageEnvelope {
  id: string; from: string; t: number; participant?: string; notify?: string; type?: string;
  /** `sender_pn` / `participant_pn` for LID addressing, `sender_lid` / `participant_lid` for PN. */
  alt?: string; recipient?: string; offline?: boolean; category?: string;
}

export function messageNode(env: MessageEnvelope, payload: BinaryNode[]): BinaryNode {
  const sender = env.participant ?? env.from;
  const lidMode = sender.endsWith("@lid");
  const altKey = env.participant ? (lidMode ? "participant_pn" : "participant_lid") : (lidMode ? "sender_pn" : "sender_lid");
  return {
    tag: "message",
    attrs: attrs({
      from: env.from, id: env.id, t: env.t, type: env.type ?? "text", notify: env.notify, participant: env.participant,
      recipient: env.recipient, addressing_mode: lidMode ? "lid" : "pn", [altKey]: env.alt,
      offline: env.offline ? "1" : undefined, category: env.category,
    }),
    content: payload,
  };
}

export const plaintextPayload = (message: proto.IMessage): BinaryNode[] => [
  { tag: "plaintext", attrs: {}, content: proto.Message.encode(message).finish() },
];

export const encPayload = (type: "pkmsg" | "msg", ciphertext: Uint8Array): BinaryNode[] => [
  { tag: "enc", attrs: { v: "2", type }, content: ciphertext },
];

/** A self-sent HISTORY_SYNC_NOTIFICATION carrying the HistorySync inline (zlib), as a phone sends it. */
export function historySyncMessage(history: proto.IHistorySync): proto.IMessage {
  const payload = deflateSync(proto.HistorySync.encode(history).finish());
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: {
        syncType: history.syncType, chunkOrder: history.chunkOrder ?? 1, progress: history.progress ?? 100,
        initialHistBootstrapInlinePayload: payload,
      },
    },
  };
}
