// proto.Message builders for what a fake contact sends: text, reply, reaction, edit, revoke and a
// media stub (no real upload host: the media fields are synthetic). No I/O, no clock.
import { randomBytes } from "node:crypto";
import { proto } from "@whiskeysockets/baileys";

export interface MessageKeyRef { id: string; remoteJid: string; fromMe: boolean; participant?: string }

export const textContent = (text: string): proto.IMessage => ({ conversation: text });

export const replyContent = (text: string, quoted: { id: string; participant: string; text: string }): proto.IMessage => ({
  extendedTextMessage: {
    text,
    contextInfo: { stanzaId: quoted.id, participant: quoted.participant, quotedMessage: { conversation: quoted.text } },
  },
});

export const reactionContent = (key: MessageKeyRef, emoji: string, nowMs: number): proto.IMessage => ({
  reactionMessage: { key, text: emoji, senderTimestampMs: nowMs },
});

export const editContent = (key: MessageKeyRef, text: string, nowMs: number): proto.IMessage => ({
  protocolMessage: {
    key, type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT, editedMessage: { conversation: text }, timestampMs: nowMs,
  },
});

export const revokeContent = (key: MessageKeyRef): proto.IMessage => ({
  protocolMessage: { key, type: proto.Message.ProtocolMessage.Type.REVOKE },
});

/** An imageMessage whose url/keys point nowhere: enough for event mapping, not for download. */
export const imageStubContent = (caption: string, nowSeconds: number): proto.IMessage => ({
  imageMessage: {
    url: "https://mmg.whatsapp.net/v/t62.7118-24/fake.enc?mms3=true",
    directPath: "/v/t62.7118-24/fake.enc",
    mimetype: "image/jpeg",
    caption,
    fileSha256: randomBytes(32),
    fileEncSha256: randomBytes(32),
    mediaKey: randomBytes(32),
    fileLength: 1024,
    width: 64,
    height: 64,
    mediaKeyTimestamp: nowSeconds,
  },
});
