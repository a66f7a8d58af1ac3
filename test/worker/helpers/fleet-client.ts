// A connector's end of the fleet socket inside workerd tests: dials /connector/v1/connect through SELF
// with real signed headers, verifies every command like the real connector, answers through a handler.
import { SELF } from "cloudflare:test";
import {
  commandFrameSchema,
  connectHeaders,
  deriveConnectorKey,
  randomId,
  ReplayGuard,
  signAnswer,
  verifyCommand,
  CONNECT_PATH,
  type CommandFrame,
} from "../../../protocol/fleet.ts";

export const FLEET_SECRET = "test-connector-secret-0123456789";

export interface ReceivedCommand {
  frame: CommandFrame;
  /** What verifyCommand said. */
  check: string;
}

export type FleetHandler = (frame: CommandFrame) => { status: number; body: unknown } | { raw: (frame: CommandFrame, key: string) => Promise<string> } | "silent" | "close";

export interface FleetClient {
  ws: WebSocket;
  key: string;
  received: ReceivedCommand[];
  handler: FleetHandler;
  /** The next command frame (not yet taken). */
  next(timeoutMs?: number): Promise<CommandFrame>;
  close(): void;
}

export async function upgradeRequest(connectorId: string, options: { secret?: string; nonce?: string; capacity?: number; nowMs?: number } = {}) {
  const key = await deriveConnectorKey(options.secret ?? FLEET_SECRET, connectorId);
  const headers = await connectHeaders(key, connectorId, options.nowMs ?? Date.now(), options.nonce ?? randomId(), "test", options.capacity ?? 50);
  return { key, headers: { ...headers, upgrade: "websocket" } };
}

/** Connects as `connectorId`; by default answers every command 200 `{}` after verifying it. */
export async function connectFleetClient(connectorId: string, handler: FleetHandler = () => ({ status: 200, body: {} }), capacity = 50, secret = FLEET_SECRET): Promise<FleetClient> {
  const { key, headers } = await upgradeRequest(connectorId, { capacity, secret });
  const res = await SELF.fetch(`http://l2msg.test${CONNECT_PATH}`, { headers });
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  ws.accept();
  const guard = new ReplayGuard();
  const queue: CommandFrame[] = [];
  const waiters: ((f: CommandFrame) => void)[] = [];
  const client: FleetClient = {
    ws,
    key,
    received: [],
    handler,
    next: (timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const ready = queue.shift();
        if (ready) return resolve(ready);
        const timer = setTimeout(() => reject(new Error("no command arrived")), timeoutMs);
        waiters.push((f) => {
          clearTimeout(timer);
          resolve(f);
        });
      }),
    close: () => ws.close(1000, "test done"),
  };
  ws.addEventListener("message", (event) => {
    if (typeof event.data !== "string" || event.data === "pong") return;
    void (async () => {
      const frame = commandFrameSchema.parse(JSON.parse(event.data as string));
      const check = await verifyCommand(key, frame, Date.now(), guard);
      client.received.push({ frame, check: check.ok ? "ok" : check.reason });
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else queue.push(frame);
      const reply = client.handler(frame);
      if (reply === "silent") return;
      if (reply === "close") return ws.close(1011, "connector went away");
      if ("raw" in reply) return ws.send(await reply.raw(frame, key));
      const answer = await signAnswer(key, { id: frame.id, ts: Math.floor(Date.now() / 1000), status: reply.status, body: JSON.stringify(reply.body) });
      ws.send(JSON.stringify(answer));
    })();
  });
  return client;
}
