// The fake WhatsApp server: a `ws` server on 127.0.0.1 that speaks Noise + binary nodes to real
// Baileys sockets, pairs them by QR, logs them in, answers IQs and records what they send.
// Test-only. Scripting lives in phone.ts; this file owns sockets, accounts and connection state.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { decodeBinaryNode, getBinaryNodeChild, proto, type BinaryNode } from "@whiskeysockets/baileys";
import { WebSocketServer, type WebSocket } from "ws";
import { answerIq, type IqContext } from "./iq.ts";
import { Connection } from "./connection.ts";
import { createFakeCertificates, trustFakeRoot, type FakeCertificates } from "./noise.ts";
import { decryptOutbound, type SentMessage } from "./outbound.ts";
import { buildPairSuccess, parseQr } from "./pairing.ts";
import { attrs, streamErrorNode, type GroupInfo } from "./stanzas.ts";
import { FakeUser, lidJid, pnJid, userOf, type ClientKeys } from "./users.ts";

export { Connection };

export interface FakeAccount {
  pn: string; lid: string; name: string;
  /** The phone itself (device 0); its identity key signs the companion's device identity. */
  phone: FakeUser;
  devices: Set<number>; nextDevice: number;
  clientKeys?: ClientKeys;
  /** Stanzas waiting for the next login (delivered before `<ib><offline/>`). */
  offline: BinaryNode[];
  sent: SentMessage[];
  /** Every stanza the client sent, in order. */
  received: BinaryNode[];
}

export const now = () => Math.floor(Date.now() / 1000);
export const newId = () => randomBytes(8).toString("hex").toUpperCase();

// One fake root per process: WA_CERT_DETAILS is process-global, so every server instance shares
// the same chain and the real root is restored when the last one closes.
let sharedCerts: FakeCertificates | undefined;
let trustCount = 0;
let restoreRealRoot: (() => void) | undefined;

export function fakeCertificates(): FakeCertificates {
  sharedCerts ??= createFakeCertificates();
  return sharedCerts;
}

export class FakeWhatsAppServer {
  readonly certs = fakeCertificates();
  readonly accounts = new Map<string, FakeAccount>();
  readonly connections = new Set<Connection>();
  readonly groups = new Map<string, GroupInfo>();
  private readonly contacts = new Map<string, FakeUser>();
  private readonly waiters = new Set<() => void>();
  private readonly pendingIqs = new Map<string, (node: BinaryNode) => void>();
  private wss?: WebSocketServer;
  private trusting = false;
  url = "";
  /** Every login/registration payload clients sent, in order (userAgent.appVersion is the WA Web version). */
  readonly clientPayloads: proto.ClientPayload[] = [];
  /** When set, a client whose WA Web version this refuses gets `<failure reason="405"/>` as WhatsApp does. */
  acceptVersion: ((version: [number, number, number]) => boolean) | undefined;
  /**
   * Every time a device logged in while another socket of it was still logged in (`device` is
   * `<pn>:<device>`). WhatsApp answers that by replacing the older socket with a 440 conflict; a
   * fleet that hands instances over correctly never causes one.
   */
  readonly doubleLogins: { device: string; at: number }[] = [];

  async start(): Promise<void> {
    if (trustCount++ === 0) restoreRealRoot = trustFakeRoot(this.certs.root.public);
    this.trusting = true;
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/ws/chat" });
    this.wss = wss;
    await new Promise<void>((resolve, reject) => wss.once("listening", resolve).once("error", reject));
    this.url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/chat`;
    wss.on("connection", (ws) => this.accept(ws));
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.ws.terminate();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    if (this.trusting && --trustCount === 0) restoreRealRoot?.();
    this.trusting = false;
  }

  account(pn: string, options: { lid?: string; name?: string } = {}): FakeAccount {
    let account = this.accounts.get(pn);
    if (!account) {
      const lid = options.lid ?? deriveLid(pn);
      const phone = new FakeUser(pn, lid, options.name ?? "Me");
      account = { pn, lid, name: phone.name, phone, devices: new Set(), nextDevice: 10, offline: [], sent: [], received: [] };
      this.accounts.set(pn, account);
      this.changed();
    }
    return account;
  }

  /** A contact by PN or LID jid/number; unknown PNs are created (every number "is on WhatsApp"). */
  contact(idOrJid: string, options: { lid?: string; name?: string } = {}): FakeUser {
    const user = userOf(idOrJid);
    const existing = this.contacts.get(user) ?? this.accounts.get(user)?.phone
      ?? [...this.accounts.values()].find((a) => a.lid === user)?.phone;
    if (existing) return existing;
    if (idOrJid.endsWith("@lid")) throw new Error(`fake-wa: unknown LID ${idOrJid}; create the contact by PN first`);
    const contact = new FakeUser(user, options.lid ?? deriveLid(user), options.name ?? `Contact ${user.slice(-4)}`);
    this.contacts.set(contact.pn, contact).set(contact.lid, contact);
    return contact;
  }

  /** Sends to the account's online connections, or queues for its next login. */
  deliver(account: FakeAccount, node: BinaryNode): void {
    const live = this.liveConnections(account);
    if (live.length === 0) {
      if (node.tag === "message") node.attrs.offline = "1";
      account.offline.push(node);
      return;
    }
    for (const conn of live) conn.send(node);
  }

  liveConnections(account: FakeAccount): Connection[] {
    return [...this.connections].filter((c) => c.account === account && c.online && !c.closed);
  }

  /** Resolves with `check()`'s first defined value; re-checked whenever server state changes. */
  waitFor<T>(check: () => T | undefined, label: string, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return;
        this.waiters.delete(attempt);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(attempt);
        reject(new Error(`fake-wa: timed out after ${timeoutMs} ms waiting for ${label}`));
      }, timeoutMs);
      this.waiters.add(attempt);
      attempt();
    });
  }

  changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** The phone scans `qr`: pair-success → wait for pair-device-sign → stream error 515. */
  async pair(account: FakeAccount, qr: string): Promise<{ deviceJid: string; deviceLid: string }> {
    const scanned = parseQr(qr);
    const conn = [...this.connections].find((c) => c.refs.includes(scanned.ref) && !c.closed);
    if (!conn || !conn.registration) throw new Error(`fake-wa: no open connection showed QR ref ${scanned.ref}`);
    const device = account.nextDevice++;
    const deviceJid = pnJid(account.pn, device);
    const deviceLid = lidJid(account.lid, device);
    const id = newId();
    const reply = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("fake-wa: no pair-device-sign within 10 s")), 10_000);
      this.pendingIqs.set(id, (node) => (clearTimeout(timer), resolve(node)));
    });
    conn.send(buildPairSuccess({ qr: scanned, accountKey: account.phone.identityKeyPair, deviceJid, deviceLid, keyIndex: 1 }, id, now()));
    const answer = await reply;
    if (!getBinaryNodeChild(answer, "pair-device-sign")) throw new Error("fake-wa: client rejected pair-success");
    account.devices.add(device);
    account.clientKeys = { ...conn.registration, preKeys: [] };
    this.kick(conn, 515);
    this.changed();
    return { deviceJid, deviceLid };
  }

  /** Sends `<stream:error>` for `code` and closes the socket (401 also unlinks the device). */
  kick(conn: Connection, code: number): void {
    if (code === 401 && conn.account) conn.account.devices.delete(conn.device);
    conn.send(streamErrorNode(code));
    conn.closed = true;
    setTimeout(() => conn.ws.close(), 50);
  }

  private accept(ws: WebSocket): void {
    const conn = new Connection(ws, this.certs);
    this.connections.add(conn);
    ws.on("message", (data: Buffer) => {
      for (const f of conn.reader.push(Buffer.from(data))) conn.serial(() => this.onFrame(conn, f));
    });
    ws.on("close", () => {
      conn.closed = true;
      conn.online = false;
      this.connections.delete(conn);
      this.changed();
    });
  }

  private async onFrame(conn: Connection, data: Buffer): Promise<void> {
    if (!conn.helloDone) {
      conn.helloDone = true;
      conn.sendRaw(conn.noise.respondToHello(data));
    } else if (!conn.noise.ready) {
      this.onClientPayload(conn, conn.noise.acceptFinish(data));
    } else {
      await this.onNode(conn, await decodeBinaryNode(conn.noise.decrypt(data)));
    }
  }

  private onClientPayload(conn: Connection, payload: proto.ClientPayload): void {
    this.clientPayloads.push(payload);
    this.changed();
    const v = payload.userAgent?.appVersion;
    if (this.acceptVersion && !this.acceptVersion([v?.primary ?? 0, v?.secondary ?? 0, v?.tertiary ?? 0])) {
      conn.send({ tag: "failure", attrs: { reason: "405", location: "fake-wa" } });
      return;
    }
    if (payload.username === null || payload.username === undefined || !payload.username.toString().length) {
      this.startRegistration(conn, payload);
      return;
    }
    const account = this.accounts.get(payload.username.toString());
    const device = payload.device ?? 0;
    if (!account || !account.devices.has(device)) {
      conn.send({ tag: "failure", attrs: { reason: "401", location: "fake-wa" } });
      conn.closed = true;
      setTimeout(() => conn.ws.close(), 50);
      return;
    }
    this.replaceOlderLogins(conn, account, device);
    conn.account = account;
    conn.device = device;
    conn.send({ tag: "success", attrs: attrs({ t: now(), props: 1, abprops: 1, location: "fake-wa", lid: lidJid(account.lid, device), creation: now() }) });
    this.changed();
  }

  /** A second login of a device replaces the first: `<stream:error><conflict type="replaced"/>` (440), as WhatsApp does. */
  private replaceOlderLogins(conn: Connection, account: FakeAccount, device: number): void {
    const older = [...this.connections].filter((c) => c !== conn && c.account === account && c.device === device && !c.closed);
    if (older.length === 0) return;
    this.doubleLogins.push({ device: `${account.pn}:${device}`, at: Date.now() });
    for (const old of older) this.kick(old, 440);
  }

  private startRegistration(conn: Connection, payload: proto.ClientPayload): void {
    const reg = payload.devicePairingData;
    if (!reg?.eIdent || !reg.eRegid || !reg.eSkeyId || !reg.eSkeyVal || !reg.eSkeySig) throw new Error("fake-wa: bad registration payload");
    conn.registration = {
      registrationId: Buffer.from(reg.eRegid).readUInt32BE(0),
      identity: Buffer.from(reg.eIdent),
      signedPreKey: { keyId: Buffer.from(reg.eSkeyId).readUIntBE(0, 3), publicKey: Buffer.from(reg.eSkeyVal), signature: Buffer.from(reg.eSkeySig) },
      preKeys: [],
    };
    conn.refs = Array.from({ length: 6 }, () => `2@${randomBytes(24).toString("base64")}`);
    conn.send({
      tag: "iq", attrs: { from: "s.whatsapp.net", type: "set", id: newId(), xmlns: "md" },
      content: [{ tag: "pair-device", attrs: {}, content: conn.refs.map((ref) => ({ tag: "ref", attrs: {}, content: Buffer.from(ref) })) }],
    });
    this.changed();
  }

  private async onNode(conn: Connection, node: BinaryNode): Promise<void> {
    conn.account?.received.push(node);
    const pending = node.tag === "iq" && node.attrs.id ? this.pendingIqs.get(node.attrs.id) : undefined;
    if (pending) {
      this.pendingIqs.delete(node.attrs.id!);
      pending(node);
    } else if (node.tag === "iq" && conn.account && (node.attrs.type === "get" || node.attrs.type === "set")) {
      conn.send(await answerIq(node, this.iqContext(conn.account)));
      if (node.attrs.xmlns === "passive" && getBinaryNodeChild(node, "active")) this.goOnline(conn);
    } else if (node.tag === "message" && conn.account) {
      const sent = await decryptOutbound(node, conn.deviceJid, {
        userFor: (jid) => this.userFor(jid),
        groupMembers: (group) => (this.groups.get(group)?.participants ?? []).flatMap((p) => this.userFor(p.jid) ?? []),
      }, now());
      conn.account.sent.push(sent);
      conn.send({ tag: "ack", attrs: attrs({ class: "message", id: node.attrs.id, from: node.attrs.to, t: now() }) });
    } else if (node.tag === "call") {
      // WhatsApp acks call stanzas (reject, …); Baileys' rejectCall waits for it.
      conn.send({ tag: "ack", attrs: attrs({ class: "call", id: node.attrs.id, from: node.attrs.to }) });
    } else if (node.tag === "receipt") {
      conn.send({ tag: "ack", attrs: attrs({ class: "receipt", id: node.attrs.id, from: node.attrs.to, type: node.attrs.type }) });
    }
    this.changed();
  }

  private goOnline(conn: Connection): void {
    const account = conn.account!;
    const queued = account.offline.splice(0);
    for (const node of queued) conn.send(node);
    conn.send({ tag: "ib", attrs: { from: "s.whatsapp.net" }, content: [{ tag: "offline", attrs: { count: String(queued.length) } }] });
    conn.online = true;
  }

  userFor(jid: string): FakeUser | undefined {
    if (!jid.endsWith("@s.whatsapp.net") && !jid.endsWith("@lid")) return undefined;
    try {
      return this.contact(jid);
    } catch {
      return undefined;
    }
  }

  private iqContext(account: FakeAccount): IqContext {
    return {
      now: now(),
      userFor: (jid) => this.userFor(jid),
      group: (jid) => this.groups.get(jid),
      groups: () => [...this.groups.values()].filter((g) => g.participants.some((p) => account.phone.matches(p.jid))),
      clientKeys: () => account.clientKeys,
      storeClientKeys: (update) => {
        const current = account.clientKeys;
        if (!current) return;
        account.clientKeys = { ...current, ...update, preKeys: [...current.preKeys, ...(update.preKeys ?? [])] };
      },
    };
  }
}

/** A stable fake LID for a phone number (15 digits, never equal to the PN). */
export function deriveLid(pn: string): string {
  return (BigInt(pn) * 7n + 100_000_000_000_000n).toString().slice(0, 15);
}
