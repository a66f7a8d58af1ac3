// The connector's end of its WebSocket to the worker (docs/protocol.md#connector-socket): dials
// WORKER_URL with signed upgrade headers, reconnects with jittered backoff, pings so the worker's
// hub sees a heartbeat, verifies every command (signature, time, binding, replay) before handing it
// on, and signs every answer. Knows nothing of instances; connector/fleet.ts runs the commands.
import type { Logger } from "pino";
import WebSocket from "ws";
import {
  commandFrameSchema,
  CONNECT_PATH,
  connectHeaders,
  PING,
  PONG,
  randomId,
  ReplayGuard,
  signAnswer,
  verifyCommand,
  type CommandFrame,
} from "../protocol/fleet.ts";
import { credentialsHeaders, DRAIN_PATH } from "../protocol/credentials.ts";
import { backoffDelay } from "./reconnect-policy.ts";

export type CommandReply = { status: number; body: unknown };

export type WorkerLinkDeps = {
  workerUrl: string;
  connectorId: string;
  /** This connector's key (ConnectorConfig.connectorKey). */
  key: string;
  version: string;
  capacity: number;
  logger: Logger;
  now: () => number;
  random: () => number;
  /** Runs one verified command. */
  onCommand: (frame: CommandFrame) => Promise<CommandReply>;
  /** The link has been down for `lostAfterMs`: the lease may be gone, stop the WhatsApp sockets. */
  onLost: () => Promise<void>;
  timing?: Partial<LinkTiming>;
};

export type LinkTiming = {
  pingEveryMs: number;
  /** No pong for this long: the socket is dead even if TCP has not noticed. */
  pongTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Down this long and the connector stops its sockets (well inside the worker's 30 s lease). */
  lostAfterMs: number;
};

export const DEFAULT_LINK_TIMING: LinkTiming = {
  pingEveryMs: 5_000,
  pongTimeoutMs: 15_000,
  reconnectBaseMs: 500,
  reconnectMaxMs: 10_000,
  lostAfterMs: 20_000,
};

export class WorkerLink {
  private ws: WebSocket | undefined;
  private readonly guard = new ReplayGuard();
  private readonly timing: LinkTiming;
  private attempts = 0;
  private running = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lostTimer: NodeJS.Timeout | undefined;
  private lastPongAt = 0;
  private connectedWaiters: (() => void)[] = [];
  /** True after onLost ran, until the next connection. */
  lost = false;
  connected = false;

  constructor(private readonly deps: WorkerLinkDeps) {
    this.timing = { ...DEFAULT_LINK_TIMING, ...deps.timing };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.armLostTimer();
    void this.dial();
  }

  /** Resolves once a connection is open (or after `timeoutMs`, false). */
  waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.connectedWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Asks the worker to hand every instance of this connector to others now (after its sockets closed). */
  async drain(fetcher: typeof fetch): Promise<boolean> {
    const headers = await credentialsHeaders(this.deps.key, this.deps.connectorId, "POST", "", 0, "", this.deps.now());
    try {
      const res = await fetcher(`${this.deps.workerUrl}${DRAIN_PATH}`, { method: "POST", headers, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      this.deps.logger.info({ status: res.status, answer: text.slice(0, 200) }, "worker link: drain requested");
      return res.status === 200;
    } catch (error) {
      this.deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "worker link: drain request failed; the lease will expire instead");
      return false;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of [this.pingTimer, this.reconnectTimer, this.lostTimer]) if (timer) clearTimeout(timer);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
      ws.close(1000, "connector stopping");
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      ws.terminate();
    }
  }

  private url(): string {
    const url = new URL(CONNECT_PATH, `${this.deps.workerUrl}/`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.toString();
  }

  private async dial(): Promise<void> {
    if (!this.running) return;
    const headers = await connectHeaders(this.deps.key, this.deps.connectorId, this.deps.now(), randomId(), this.deps.version, this.deps.capacity);
    const ws = new WebSocket(this.url(), { headers, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on("open", () => this.onOpen(ws));
    ws.on("message", (data, isBinary) => {
      if (!isBinary) void this.onMessage(ws, data.toString());
    });
    ws.on("unexpected-response", (_req, res) => {
      this.deps.logger.warn({ status: res.statusCode }, "worker link: upgrade refused (check CONNECTOR_SECRET and CONNECTOR_ID)");
      res.resume();
    });
    ws.on("error", (error) => this.deps.logger.debug({ err: error.message }, "worker link: socket error"));
    ws.on("close", (code, reason) => this.onClose(ws, code, reason.toString()));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.attempts = 0;
    this.connected = true;
    this.lost = false;
    this.lastPongAt = this.deps.now();
    if (this.lostTimer) clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
    this.deps.logger.info({ url: this.url() }, "worker link: connected");
    for (const waiter of this.connectedWaiters.splice(0)) waiter();
    this.schedulePing(ws);
  }

  private schedulePing(ws: WebSocket): void {
    this.pingTimer = setTimeout(() => {
      if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
      if (this.deps.now() - this.lastPongAt > this.timing.pongTimeoutMs) {
        this.deps.logger.warn("worker link: no pong, dropping the connection");
        ws.terminate();
        return;
      }
      ws.send(PING);
      this.schedulePing(ws);
    }, this.timing.pingEveryMs);
    this.pingTimer.unref();
  }

  private async onMessage(ws: WebSocket, text: string): Promise<void> {
    if (text === PONG) {
      this.lastPongAt = this.deps.now();
      return;
    }
    let frame: CommandFrame;
    try {
      frame = commandFrameSchema.parse(JSON.parse(text));
    } catch {
      this.deps.logger.warn("worker link: malformed frame ignored");
      return;
    }
    this.lastPongAt = this.deps.now();
    const check = await verifyCommand(this.deps.key, frame, this.deps.now(), this.guard);
    let reply: CommandReply;
    if (!check.ok) {
      this.deps.logger.warn({ reason: check.reason, path: frame.path }, "worker link: command refused");
      reply = { status: 401, body: { error: "unauthorized", message: `signature ${check.reason}` } };
    } else {
      try {
        reply = await this.deps.onCommand(frame);
      } catch (error) {
        this.deps.logger.error({ err: error instanceof Error ? error.message : String(error), path: frame.path }, "worker link: command failed");
        reply = { status: 500, body: { error: "internal", message: "internal error" } };
      }
    }
    const level = frame.method === "GET" && reply.status === 200 ? "debug" : "info";
    this.deps.logger[level]({ method: frame.method, path: frame.path, epoch: frame.epoch, status: reply.status }, "worker link: command");
    const answer = await signAnswer(this.deps.key, { id: frame.id, ts: Math.floor(this.deps.now() / 1000), status: reply.status, body: JSON.stringify(reply.body) });
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(answer));
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    const wasConnected = this.connected;
    this.connected = false;
    if (!this.running) return;
    if (wasConnected) this.deps.logger.warn({ code, reason }, "worker link: disconnected, reconnecting");
    this.armLostTimer();
    const delay = backoffDelay(this.attempts, { baseMs: this.timing.reconnectBaseMs, maxMs: this.timing.reconnectMaxMs }, this.deps.random());
    this.attempts += 1;
    this.reconnectTimer = setTimeout(() => void this.dial(), delay);
    this.reconnectTimer.unref();
  }

  /** Started when the link goes down (or before the first connection): fires once if it stays down. */
  private armLostTimer(): void {
    if (this.lostTimer || this.lost) return;
    this.lostTimer = setTimeout(() => {
      this.lostTimer = undefined;
      if (this.connected || !this.running) return;
      this.lost = true;
      this.deps.logger.error({ afterMs: this.timing.lostAfterMs }, "worker link: lost the worker for longer than the lease allows; stopping WhatsApp sockets");
      void this.deps.onLost();
    }, this.timing.lostAfterMs);
    this.lostTimer.unref();
  }
}
