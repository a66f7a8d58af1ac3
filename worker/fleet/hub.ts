// ConnectorHub: one Durable Object per connector, holding that connector's WebSocket
// (docs/protocol.md#connector-socket). Hibernatable: heartbeats ("ping") are answered by the runtime
// without waking it; an alarm every RENEW_EVERY_MS checks the last heartbeat and renews the
// connector's lease in the registry. Commands go down the socket signed with the connector's key;
// answers are matched to the command they answer. The upgrade was authenticated by the route.
import { DurableObject } from "cloudflare:workers";
import { loadConfig, type Env } from "../env.ts";
import { log } from "../log.ts";
import {
  answerFrameSchema,
  deriveConnectorKey,
  FLEET_HEADERS,
  FLEET_PATHS,
  PING,
  PONG,
  randomId,
  signCommand,
  verifyAnswer,
  type AnswerFrame,
} from "../../protocol/fleet.ts";
import { connectorSettingsByName } from "../storage/instance-settings.ts";
import { fleetRegistry } from "./registry.ts";
import { HEARTBEAT_STALE_MS, LEASE_MS, NONCE_TTL_MS, RENEW_EVERY_MS } from "./timing.ts";

export interface HubCommand {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  instance: string;
  epoch: number;
  /** Raw JSON body, "" for none. */
  body: string;
  timeoutMs: number;
}

export type HubResult =
  | { kind: "answer"; status: number; body: string }
  | { kind: "unreachable"; reason: string }
  | { kind: "bad_answer"; reason: string };

interface Attachment {
  connectorId: string;
  acceptedAt: number;
  version: string;
  capacity: number | undefined;
}

interface Pending {
  id: string;
  socket: WebSocket;
  resolve: (result: HubResult) => void;
}

/** The hub of connector `id`. */
export function connectorHub(env: Env, id: string): DurableObjectStub<ConnectorHub> {
  const ns = env.CONNECTOR_HUB as unknown as DurableObjectNamespace<ConnectorHub>;
  return ns.get(ns.idFromName(id));
}

export class ConnectorHub extends DurableObject<Env> {
  private readonly pending = new Map<string, Pending>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, at INTEGER NOT NULL)");
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** The upgrade (already authenticated by the route), or the registry asking to push assignments. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/push-assignments") {
      await this.pushAssignments();
      return new Response(null, { status: 204 });
    }
    return this.accept(request);
  }

  /** Sends one command and waits for its signed answer (or the timeout). */
  async command(command: HubCommand): Promise<HubResult> {
    const socket = this.socket();
    if (!socket) return { kind: "unreachable", reason: "the connector is not connected" };
    const { connectorId } = socket.deserializeAttachment() as Attachment;
    const key = await deriveConnectorKey(loadConfig(this.env).connectorSecret, connectorId);
    const id = randomId();
    const frame = await signCommand(key, { id, ts: Math.floor(Date.now() / 1000), method: command.method, path: command.path, instance: command.instance, epoch: command.epoch, body: command.body });
    return new Promise<HubResult>((resolve) => {
      const timer = setTimeout(() => finish({ kind: "unreachable", reason: `no answer within ${command.timeoutMs} ms` }), command.timeoutMs);
      const finish = (result: HubResult) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(result);
      };
      this.pending.set(id, { id, socket, resolve: finish });
      try {
        socket.send(JSON.stringify(frame));
      } catch (error) {
        finish({ kind: "unreachable", reason: `send failed: ${error instanceof Error ? error.message : String(error)}` });
      }
    });
  }

  /** Whether a connector socket is open, and when it last sent a heartbeat. */
  async status(): Promise<{ connected: boolean; lastHeartbeatAt: number | null }> {
    const socket = this.socket();
    if (!socket) return { connected: false, lastHeartbeatAt: null };
    return { connected: true, lastHeartbeatAt: this.lastHeartbeat(socket) };
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    let frame: AnswerFrame;
    try {
      frame = answerFrameSchema.parse(JSON.parse(message));
    } catch {
      log.warn("hub_bad_frame", { connector: this.connectorIdOf(ws) });
      return;
    }
    const pending = this.pending.get(frame.id);
    // Answers nobody waits for (assignments pushes, answers after a timeout) are dropped.
    if (!pending) return;
    const key = await deriveConnectorKey(loadConfig(this.env).connectorSecret, this.connectorIdOf(ws));
    const check = await verifyAnswer(key, frame, pending.id, Date.now());
    if (!check.ok) {
      log.warn("hub_bad_answer_signature", { connector: this.connectorIdOf(ws), reason: check.reason });
      pending.resolve({ kind: "bad_answer", reason: check.reason });
      return;
    }
    pending.resolve({ kind: "answer", status: frame.status, body: frame.body });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.onGone(ws, `closed ${code} ${reason}`);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.onGone(ws, `error ${error instanceof Error ? error.message : String(error)}`);
  }

  /** Every RENEW_EVERY_MS while a socket is open: a recent heartbeat renews the lease, an old one ends the socket. */
  override async alarm(): Promise<void> {
    const socket = this.socket();
    if (!socket) return;
    const now = Date.now();
    const { connectorId, version, capacity } = socket.deserializeAttachment() as Attachment;
    if (now - this.lastHeartbeat(socket) > HEARTBEAT_STALE_MS) {
      log.warn("hub_heartbeat_timeout", { connector: connectorId });
      closeQuietly(socket, 4000, "heartbeat timeout");
      await this.onGone(socket, "heartbeat timeout");
      return;
    }
    const renewed = await fleetRegistry(this.env).renew(connectorId, now);
    if (!renewed) {
      // The lease had run out (its instances moved on) although the socket lives: join again and say what is left.
      await fleetRegistry(this.env).connectorUp(connectorId, version, capacity, now);
      await this.pushAssignments();
    }
    await this.ctx.storage.setAlarm(now + RENEW_EVERY_MS);
  }

  private async accept(request: Request): Promise<Response> {
    const now = Date.now();
    const connectorId = request.headers.get(FLEET_HEADERS.connector) ?? "";
    const nonce = request.headers.get(FLEET_HEADERS.nonce) ?? "";
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM nonces WHERE at < ?", now - NONCE_TTL_MS);
    if (sql.exec("SELECT 1 FROM nonces WHERE nonce = ?", nonce).toArray().length > 0) {
      log.warn("hub_nonce_replayed", { connector: connectorId });
      return new Response(JSON.stringify({ status: 401, error: "Unauthorized", response: { message: "Unauthorized" } }), { status: 401 });
    }
    sql.exec("INSERT INTO nonces (nonce, at) VALUES (?, ?)", nonce, now);
    // A new connection replaces the old one (a reconnect after a network blip).
    for (const old of this.ctx.getWebSockets()) closeQuietly(old, 4001, "replaced by a new connection");
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    const capacityText = request.headers.get(FLEET_HEADERS.capacity);
    const capacity = capacityText && /^\d{1,6}$/.test(capacityText) ? Number(capacityText) : undefined;
    const version = (request.headers.get(FLEET_HEADERS.version) ?? "").slice(0, 64);
    server.serializeAttachment({ connectorId, acceptedAt: now, version, capacity } satisfies Attachment);
    const owned = await fleetRegistry(this.env).connectorUp(connectorId, version, capacity, now);
    await this.ctx.storage.setAlarm(now + RENEW_EVERY_MS);
    log.info("hub_connected", { connector: connectorId, owned: owned.length });
    await this.sendAssignments(server, connectorId, owned);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  private async pushAssignments(): Promise<void> {
    const socket = this.socket();
    if (!socket) return;
    const { connectorId } = socket.deserializeAttachment() as Attachment;
    await this.sendAssignments(socket, connectorId, await fleetRegistry(this.env).assignments(connectorId));
  }

  /** Fire and forget: the connector answers, nobody waits; the next push or reconnect repeats the full list. */
  private async sendAssignments(socket: WebSocket, connectorId: string, owned: { instance: string; epoch: number }[]): Promise<void> {
    const key = await deriveConnectorKey(loadConfig(this.env).connectorSecret, connectorId);
    // The settings go with the instances: the connector that takes one over applies them before it starts.
    const settings = await connectorSettingsByName(this.env.DB, owned.map((a) => a.instance));
    const withSettings = owned.map((a) => ({ ...a, settings: settings.get(a.instance) }));
    const body = JSON.stringify({ owned: withSettings, leaseMs: LEASE_MS });
    const frame = await signCommand(key, { id: randomId(), ts: Math.floor(Date.now() / 1000), method: "POST", path: FLEET_PATHS.assignments, instance: "", epoch: 0, body });
    try {
      socket.send(JSON.stringify(frame));
    } catch (error) {
      log.warn("hub_send_failed", { connector: connectorId, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async onGone(ws: WebSocket, why: string): Promise<void> {
    const { connectorId } = (ws.deserializeAttachment() ?? { connectorId: "" }) as Attachment;
    for (const pending of [...this.pending.values()]) if (pending.socket === ws) pending.resolve({ kind: "unreachable", reason: `connection ${why}` });
    // Another socket (a reconnect) may already be open: only the last one going marks the connector down.
    if (this.socket(ws)) return;
    log.info("hub_disconnected", { connector: connectorId, why });
    if (connectorId) await fleetRegistry(this.env).connectorDown(connectorId, Date.now());
  }

  /** The open connector socket, if any (ignoring `except`). */
  private socket(except?: WebSocket): WebSocket | undefined {
    return this.ctx.getWebSockets().find((ws) => ws !== except && ws.readyState === WebSocket.OPEN);
  }

  private lastHeartbeat(socket: WebSocket): number {
    const auto = this.ctx.getWebSocketAutoResponseTimestamp(socket);
    const { acceptedAt } = socket.deserializeAttachment() as Attachment;
    return Math.max(auto?.getTime() ?? 0, acceptedAt);
  }

  private connectorIdOf(ws: WebSocket): string {
    return ((ws.deserializeAttachment() ?? { connectorId: "" }) as Attachment).connectorId;
  }
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closing or closed.
  }
}
