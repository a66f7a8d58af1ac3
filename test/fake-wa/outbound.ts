// Decrypts a `<message>` a client sent (1:1 pkmsg/msg per device, groups via sender keys) with the
// recipients' fake Signal identities, so tests can assert on what the client really sent.
import { getBinaryNodeChild, getBinaryNodeChildren, proto, type BinaryNode } from "@whiskeysockets/baileys";
import type { FakeUser } from "./users.ts";

export interface SentMessage {
  id: string;
  /** The chat the client addressed (`to` attribute): PN/LID user or group jid. */
  to: string;
  /** Decrypted content as the recipient sees it (the own-phone copy is unwrapped if it is the only one). */
  message?: proto.IMessage;
  /** Device jids the client encrypted for. */
  recipients: string[];
  /** Decryption failures per device jid (empty when everything decrypted). */
  errors: string[];
  t: number;
  node: BinaryNode;
}

export interface OutboundLookup {
  userFor(jid: string): FakeUser | undefined;
  /** Group members that may hold the client's sender key from an earlier send. */
  groupMembers(group: string): FakeUser[];
}

type EncType = "pkmsg" | "msg" | "skmsg";

const encOf = (node: BinaryNode | undefined) => {
  const enc = node && getBinaryNodeChild(node, "enc");
  return enc?.content instanceof Uint8Array ? { type: enc.attrs.type as EncType, content: enc.content } : undefined;
};

export async function decryptOutbound(
  node: BinaryNode, senderJid: string, lookup: OutboundLookup, t: number,
): Promise<SentMessage> {
  const { userFor } = lookup;
  const to = node.attrs.to ?? "";
  const isGroup = to.endsWith("@g.us");
  const sent: SentMessage = { id: node.attrs.id ?? "", to, recipients: [], errors: [], t, node };
  const targets = getBinaryNodeChildren(getBinaryNodeChild(node, "participants"), "to").map((n) => ({ jid: n.attrs.jid ?? "", enc: encOf(n) }));
  const direct = encOf(node);
  if (direct && direct.type !== "skmsg") targets.push({ jid: to, enc: direct });

  let ownCopy: proto.IMessage | undefined;
  const groupReaders: FakeUser[] = [];
  for (const target of targets) {
    sent.recipients.push(target.jid);
    const user = userFor(target.jid);
    if (!user || !target.enc || target.enc.type === "skmsg") continue;
    try {
      const message = await user.decrypt(senderJid, target.enc.type, target.enc.content);
      if (message.senderKeyDistributionMessage) {
        await user.processSenderKey(senderJid, message.senderKeyDistributionMessage);
        groupReaders.push(user);
      }
      if (message.deviceSentMessage) ownCopy = message.deviceSentMessage.message ?? undefined;
      else if (!isGroup) sent.message ??= message;
    } catch (err) {
      sent.errors.push(`${target.jid}: ${(err as Error).message}`);
    }
  }
  if (isGroup && direct?.type === "skmsg") {
    sent.message = await decryptGroup([...groupReaders, ...lookup.groupMembers(to)], to, senderJid, direct.content, sent.errors);
  }
  sent.message ??= ownCopy;
  return sent;
}

async function decryptGroup(
  readers: FakeUser[], group: string, senderJid: string, content: Uint8Array, errors: string[],
): Promise<proto.IMessage | undefined> {
  const failures: string[] = [];
  for (const reader of readers) {
    try {
      return await reader.decryptGroup(group, senderJid, content);
    } catch (err) {
      failures.push(`${group} via ${reader.pn}: ${(err as Error).message}`);
    }
  }
  errors.push(...(failures.length ? failures : [`${group}: no participant holds the sender key`]));
  return undefined;
}
