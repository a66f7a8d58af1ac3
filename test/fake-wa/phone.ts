// The scripting handle for one WhatsApp account ("the phone"): scan the QR, then play contacts,
// groups and the server against the linked Baileys client. See index.ts for the overview.
import { proto, type BinaryNode } from "@whiskeysockets/baileys";
import {
  editContent, imageStubContent, reactionContent, replyContent, revokeContent, textContent, type MessageKeyRef,
} from "./content.ts";
import type { SentMessage } from "./outbound.ts";
import { newId, now, type FakeAccount, type FakeWhatsAppServer } from "./server.ts";
import {
  callOfferNode, chatstateNode, encPayload, groupNotificationNode, historySyncMessage, messageNode, plaintextPayload,
  presenceNode, receiptNode, type GroupParticipantRef,
} from "./stanzas.ts";
import { lidJid, pnJid, type FakeUser } from "./users.ts";

export interface InboundOptions {
  /** Sender phone number (digits) or jid; unknown numbers become contacts. */
  from: string;
  /** 'pn' (default): `from` is the PN jid. 'lid': `from`/participant is the LID, with sender_pn/participant_pn. */
  addressing?: "pn" | "lid";
  /** Group jid: the message is sent in this group with `participant` = the sender. */
  group?: string;
  id?: string;
  pushName?: string;
  /** Signal-encrypt (pkmsg, then msg) instead of `<plaintext>`. 1:1 only; needs the client's uploaded prekeys. */
  encrypt?: boolean;
  t?: number;
}

export interface InboundResult { id: string; key: MessageKeyRef }

export class FakePhone {
  constructor(private readonly server: FakeWhatsAppServer, readonly account: FakeAccount) {}

  get jid(): string { return pnJid(this.account.pn); }
  get lidJid(): string { return lidJid(this.account.lid); }
  /** Messages the linked client sent, decrypted. */
  get sent(): SentMessage[] { return this.account.sent; }
  /** Every stanza the linked client sent (iq, receipt, presence, ack, message…). */
  get received(): BinaryNode[] { return this.account.received; }

  /** As the phone's camera would: pairs the companion that shows `qr`, then restarts it with 515. */
  scanQr(qr: string) { return this.server.pair(this.account, qr); }

  /** Resolves once a linked client logged in and drained its offline queue (before Baileys' `open` settles). */
  waitForOnline(timeoutMs?: number): Promise<true> {
    return this.server.waitFor(() => (this.server.liveConnections(this.account).length ? true : undefined), "client online", timeoutMs);
  }

  waitForSent(match: (m: SentMessage) => boolean = () => true, timeoutMs?: number): Promise<SentMessage> {
    return this.server.waitFor(() => this.sent.find(match), "a sent message", timeoutMs);
  }

  waitForStanza(match: (n: BinaryNode) => boolean, timeoutMs?: number): Promise<BinaryNode> {
    return this.server.waitFor(() => this.received.find(match), "a client stanza", timeoutMs);
  }

  contact(pn: string, options?: { lid?: string; name?: string }): FakeUser { return this.server.contact(pn, options); }

  async sendMessage(options: InboundOptions & { message: proto.IMessage }): Promise<InboundResult> {
    const sender = this.server.contact(options.from);
    const lidMode = options.addressing === "lid";
    const senderJid = lidMode ? sender.lidJid : sender.pnJid;
    const id = options.id ?? newId();
    const payload = options.encrypt ? await this.encryptFrom(sender, options, options.message) : plaintextPayload(options.message);
    const node = messageNode({
      id, t: options.t ?? now(), notify: options.pushName ?? sender.name,
      from: options.group ?? senderJid, participant: options.group ? senderJid : undefined,
      alt: lidMode ? sender.pnJid : undefined,
      type: options.message.reactionMessage ? "reaction" : options.message.imageMessage ? "media" : "text",
    }, payload);
    this.server.deliver(this.account, node);
    return { id, key: { remoteJid: options.group ?? senderJid, fromMe: false, id, ...(options.group && { participant: senderJid }) } };
  }

  sendText(options: InboundOptions & { text: string; quoted?: { id: string; participant: string; text: string } }) {
    const message = options.quoted ? replyContent(options.text, options.quoted) : textContent(options.text);
    return this.sendMessage({ ...options, message });
  }

  sendReaction(options: InboundOptions & { key: MessageKeyRef; emoji: string }) {
    return this.sendMessage({ ...options, message: reactionContent(options.key, options.emoji, Date.now()) });
  }

  sendEdit(options: InboundOptions & { key: MessageKeyRef; text: string }) {
    return this.sendMessage({ ...options, message: editContent(options.key, options.text, Date.now()) });
  }

  sendRevoke(options: InboundOptions & { key: MessageKeyRef }) {
    return this.sendMessage({ ...options, message: revokeContent(options.key) });
  }

  sendImage(options: InboundOptions & { caption: string }) {
    return this.sendMessage({ ...options, message: imageStubContent(options.caption, now()) });
  }

  /** Receipt for a message the client sent (looked up in `sent` by id). Groups: `participant` defaults to the first recipient. */
  receipt(options: { id: string; type?: "delivery" | "read" | "played"; participant?: string }): void {
    const sent = this.sent.find((m) => m.id === options.id);
    if (!sent) throw new Error(`fake-wa: the client never sent message ${options.id}`);
    const participant = sent.to.endsWith("@g.us")
      ? options.participant ?? sent.recipients.find((r) => !this.account.phone.matches(r))?.replace(/:\d+@/, "@")
      : undefined;
    const type = options.type === "delivery" || !options.type ? undefined : options.type;
    this.server.deliver(this.account, receiptNode({ id: sent.id, from: sent.to, participant, type, t: now() }));
  }

  presence(options: { from: string; type: "available" | "unavailable"; lastSeen?: number }): void {
    this.server.deliver(this.account, presenceNode(this.server.contact(options.from).pnJid, options.type, options.lastSeen));
  }

  chatstate(options: { from: string; state: "composing" | "recording" | "paused"; group?: string }): void {
    const jid = this.server.contact(options.from).pnJid;
    const node = options.group ? chatstateNode(options.group, options.state, jid) : chatstateNode(jid, options.state);
    this.server.deliver(this.account, node);
  }

  /** Registers a group the account is in (answers `w:g2` queries) and sends the `create` notification. */
  createGroup(options: { subject: string; participants: string[]; creator?: string; id?: string }): string {
    const id = options.id ?? `1203630${String(Math.floor(Math.random() * 1e11)).padStart(11, "0")}@g.us`;
    const creator = options.creator ? this.server.contact(options.creator).pnJid : this.jid;
    const participants: GroupParticipantRef[] = [
      { jid: this.jid, admin: creator === this.jid ? "superadmin" : undefined },
      ...options.participants.map((p) => {
        const jid = this.server.contact(p).pnJid;
        return { jid, admin: jid === creator ? ("superadmin" as const) : undefined };
      }),
    ];
    const info = { id, subject: options.subject, creator, creation: now(), participants };
    this.server.groups.set(id, info);
    this.server.deliver(this.account, groupNotificationNode({ id: newId(), group: id, author: creator, t: now(), change: { action: "create", info } }));
    return id;
  }

  /** add / remove / promote / demote / leave participants (numbers) by `author` (number; default: the account). */
  groupUpdate(options: { group: string; action: "add" | "remove" | "promote" | "demote" | "leave"; participants: string[]; author?: string }): void {
    const group = this.server.groups.get(options.group);
    if (!group) throw new Error(`fake-wa: unknown group ${options.group}`);
    const refs = options.participants.map((p) => ({ jid: this.server.contact(p).pnJid }));
    if (options.action === "add") group.participants.push(...refs);
    if (options.action === "remove" || options.action === "leave") {
      group.participants = group.participants.filter((p) => !refs.some((r) => r.jid === p.jid));
    }
    for (const p of group.participants) {
      if (refs.some((r) => r.jid === p.jid) && options.action === "promote") p.admin = "admin";
      if (refs.some((r) => r.jid === p.jid) && options.action === "demote") p.admin = undefined;
    }
    const author = options.author ? this.server.contact(options.author).pnJid : this.jid;
    this.server.deliver(this.account, groupNotificationNode({
      id: newId(), group: group.id, author, t: now(), change: { action: options.action, participants: refs },
    }));
  }

  groupSubject(options: { group: string; subject: string; author?: string }): void {
    const group = this.server.groups.get(options.group);
    if (group) group.subject = options.subject;
    const author = options.author ? this.server.contact(options.author).pnJid : this.jid;
    this.server.deliver(this.account, groupNotificationNode({
      id: newId(), group: options.group, author, t: now(), change: { action: "subject", subject: options.subject },
    }));
  }

  /** An incoming call offer; returns the call id. */
  call(options: { from: string; video?: boolean }): string {
    const callId = newId();
    this.server.deliver(this.account, callOfferNode({ from: this.server.contact(options.from).pnJid, id: newId(), callId, t: now(), video: options.video }));
    return callId;
  }

  /** The phone pushes history to its companion (inline payload; default syncType INITIAL_BOOTSTRAP). */
  historySync(history: Partial<proto.IHistorySync>): string {
    const id = newId();
    const full = { syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP, ...history };
    const node = messageNode({ id, from: this.jid, t: now(), type: "text", category: "peer" }, plaintextPayload(historySyncMessage(full)));
    this.server.deliver(this.account, node);
    return id;
  }

  /** `<stream:error>` on every live connection: 515 restart, 401 device removed (unlinks), 440 replaced, others as code. */
  streamError(code: number): void {
    const conns = [...this.server.connections].filter((c) => c.account === this.account && !c.closed);
    if (conns.length === 0) throw new Error("fake-wa: no connection to send a stream error to");
    for (const conn of conns) this.server.kick(conn, code);
  }

  /** Escape hatch: push any stanza (queued while the client is offline). */
  sendNode(node: BinaryNode): void { this.server.deliver(this.account, node); }

  private async encryptFrom(sender: FakeUser, options: InboundOptions, message: proto.IMessage) {
    if (options.group) throw new Error("fake-wa: encrypt is only supported for 1:1 messages");
    const keys = this.account.clientKeys;
    const device = Math.max(...this.account.devices);
    if (!keys || !Number.isFinite(device)) throw new Error("fake-wa: the account has no linked device");
    const { type, ciphertext } = await sender.encryptFor(lidJid(this.account.lid, device), keys, message);
    return encPayload(type, ciphertext);
  }
}
