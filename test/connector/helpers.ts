// Test doubles for the connector suite: a Baileys socket double built on Baileys' own
// makeEventBuffer, a signature-checking worker stand-in on node:http, a log capture, and config/tmp-dir helpers.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  generateWAMessage,
  makeEventBuffer,
  proto,
  type BaileysEventMap,
  type UserFacingSocketConfig,
  type WAMessage,
  type WAMessageKey,
} from "@whiskeysockets/baileys";
import pino, { type Logger } from "pino";
import { parseConfig, type ConnectorConfig, type ConnectorTuning } from "../../connector/config.ts";
import type { ConnectorSocket } from "../../connector/socket-types.ts";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import { verifyConnectorRequest } from "../../protocol/signing.ts";
import { deriveConnectorKey } from "../../protocol/fleet.ts";

export const SECRET = "test-secret-0123456789abcdef";
export const ME_JID = "15550001111:7@s.whatsapp.net";
const quiet = pino({ level: "silent" });

/** An error shaped like Baileys' Boom errors (isBoom + output.statusCode). */
export function boom(message: string, statusCode: number): Error {
  return Object.assign(new Error(message), { isBoom: true, output: { statusCode, payload: { statusCode, error: "Error", message } } });
}

export type FakeSocket = ConnectorSocket & {
  config: UserFacingSocketConfig;
  emit<T extends keyof BaileysEventMap>(event: T, payload: BaileysEventMap[T]): void;
  ended: (Error | undefined)[];
  loggedOut: number;
  sent: WAMessage[];
  pairingRequests: string[];
  createdAt: number;
  rejectedCalls: { id: string; from: string }[];
  readKeys: WAMessageKey[];
  presences: string[];
};

/** A socket double: its `ev` is Baileys' real event buffer; sendMessage echoes an upsert like rc14. */
export function createFakeSocket(config: UserFacingSocketConfig): FakeSocket {
  const ev = makeEventBuffer(quiet);
  const sock: FakeSocket = {
    config,
    ev,
    user: undefined,
    ended: [],
    loggedOut: 0,
    sent: [],
    pairingRequests: [],
    createdAt: Date.now(),
    rejectedCalls: [],
    readKeys: [],
    presences: [],
    emit: (event, payload) => void ev.emit(event, payload),
    async sendMessage(jid, content, options) {
      const text = (content as { text: string }).text;
      const message = await generateWAMessage(jid, { text }, {
        userJid: ME_JID,
        upload: (async () => {
          throw new Error("no media upload in tests");
        }) as never,
        messageId: options?.messageId,
        quoted: options?.quoted,
      });
      sock.sent.push(message);
      process.nextTick(() => ev.emit("messages.upsert", { messages: [message], type: "append" }));
      return message;
    },
    // Like rc14's end(): report the close, then drop the listeners and whatever is still buffered.
    async end(error) {
      sock.ended.push(error);
      ev.emit("connection.update", { connection: "close", lastDisconnect: { error, date: new Date() } });
      ev.removeAllListeners("connection.update");
      ev.destroy();
    },
    async logout() {
      sock.loggedOut += 1;
      await sock.end(boom("Intentional Logout", 401));
    },
    async requestPairingCode(phoneNumber) {
      sock.pairingRequests.push(phoneNumber);
      return "ABCD1234";
    },
    async groupMetadata(jid) {
      return { id: jid, subject: "group", participants: [] } as never;
    },
    async updateMediaMessage(message) {
      return message;
    },
    async rejectCall(id, from) {
      sock.rejectedCalls.push({ id, from });
    },
    async readMessages(keys) {
      sock.readKeys.push(...keys);
    },
    async sendPresenceUpdate(type) {
      sock.presences.push(type);
    },
  };
  return sock;
}

export function socketFactory(): { sockets: FakeSocket[]; factory: (config: UserFacingSocketConfig) => FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: (config) => {
      const sock = createFakeSocket(config);
      sockets.push(sock);
      return sock;
    },
  };
}

/** Drives a fake socket through login: `connecting` then `open` with a user. */
export function openSocket(sock: FakeSocket, name = "Sales"): void {
  sock.emit("connection.update", { connection: "connecting" });
  (sock as { user: unknown }).user = { id: ME_JID, name };
  sock.emit("connection.update", { connection: "open" });
}

export function closeWith(sock: FakeSocket, statusCode: number, message = "closed"): void {
  sock.emit("connection.update", { connection: "close", lastDisconnect: { error: boom(message, statusCode), date: new Date() } });
}

export function inboundText(id: string, text: string, from = "15552223333@s.whatsapp.net"): WAMessage {
  return proto.WebMessageInfo.fromObject({
    key: { remoteJid: from, fromMe: false, id },
    messageTimestamp: 1795534561,
    pushName: "Carol",
    message: { conversation: text },
  }) as WAMessage;
}

export type Batch = { connector: string; events: ConnectorEvent[] };

/** Worker stand-in: verifies every signature, records accepted batches, answers what `respond` says. */
export async function startWorkerStub(respond: (batch: Batch) => number | { status: number; body: unknown } = () => 200) {
  const batches: Batch[] = [];
  const attempts: Batch[] = [];
  let badSignatures = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      // As the worker does: the key of the connector the header names.
      const connector = String(req.headers["x-l2msg-connector"] ?? "");
      const key = await deriveConnectorKey(SECRET, connector);
      const check = await verifyConnectorRequest(key, req.headers["x-l2msg-timestamp"] as string, req.headers["x-l2msg-signature"] as string, raw, Date.now());
      if (!check.ok || req.url !== "/connector/v1/events" || (JSON.parse(raw) as Batch).connector !== connector) {
        badSignatures += 1;
        res.writeHead(401).end();
        return;
      }
      const batch = JSON.parse(raw) as Batch;
      attempts.push(batch);
      const answer = respond(batch);
      const { status, body } = typeof answer === "number" ? { status: answer, body: {} } : answer;
      if (status === 200) batches.push(batch);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(status === 200 ? { accepted: batch.events.length, duplicates: 0 } : body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    batches,
    attempts,
    badSignatures: () => badSignatures,
    events: () => batches.flatMap((b) => b.events),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function tempDir(): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), "l2msg-connector-"));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export function testConfig(dataDir: string, workerUrl: string, env: Record<string, string> = {}, tuning: Partial<ConnectorTuning> = {}): ConnectorConfig {
  return parseConfig(
    { WORKER_URL: workerUrl, CONNECTOR_SECRET: SECRET, CONNECTOR_ID: "c1", DATA_DIR: dataDir, BAILEYS_LOG_LEVEL: "silent", ...env },
    { forwardLingerMs: 5, forwardRetryBaseMs: 20, forwardRetryMaxMs: 100, reconnectBaseMs: 10, reconnectMaxMs: 50, stableOpenMs: 200, restoreStaggerMs: 0, connectWaitMs: 1_000, shutdownFlushMs: 1_000, ...tuning },
  );
}

/** A pino logger whose JSON lines are kept in `lines`. */
export function captureLogger(level = "debug"): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export async function waitFor(predicate: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
