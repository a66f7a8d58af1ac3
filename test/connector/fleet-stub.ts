// The worker's side of the connector socket for the connector suite: accepts the signed upgrade on
// the worker stand-in's HTTP server, sends signed commands (assignments first), collects answers.
import type { IncomingMessage, Server } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import {
  answerFrameSchema,
  CONNECT_PATH,
  deriveConnectorKey,
  FLEET_PATHS,
  instanceOfPath,
  PONG,
  randomId,
  signCommand,
  verifyAnswer,
  verifyConnectHeaders,
  type Assignment,
  type CommandFrame,
} from "../../protocol/fleet.ts";
import { SECRET } from "./helpers.ts";

export type FleetStub = Awaited<ReturnType<typeof attachFleetStub>>;

export interface StubAnswer {
  status: number;
  body: unknown;
  check: string;
}

export function attachFleetStub(server: Server, options: { owned?: Assignment[]; leaseMs?: number } = {}) {
  const wss = new WebSocketServer({ noServer: true });
  const sockets: WebSocket[] = [];
  const answers = new Map<string, StubAnswer>();
  const waiters = new Map<string, (a: StubAnswer) => void>();
  let connectorId = "";
  let refused = 0;
  let pings = 0;
  const state = { owned: options.owned ?? [], connections: 0 };

  server.on("upgrade", async (req: IncomingMessage, socket, head) => {
    const check = await verifyConnectHeaders(SECRET, (name) => req.headers[name] as string | undefined, Date.now());
    if (req.url !== CONNECT_PATH || !check.ok) {
      refused += 1;
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    connectorId = check.connectorId;
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      state.connections += 1;
      ws.on("message", (data) => void onMessage(ws, data.toString()));
      void send({ method: "POST", path: FLEET_PATHS.assignments, instance: "", epoch: 0, body: JSON.stringify({ owned: state.owned, leaseMs: options.leaseMs ?? 30_000 }) });
    });
  });

  async function onMessage(ws: WebSocket, text: string): Promise<void> {
    if (text === "ping") {
      pings += 1;
      ws.send(PONG);
      return;
    }
    const frame = answerFrameSchema.parse(JSON.parse(text));
    const key = await deriveConnectorKey(SECRET, connectorId);
    const check = await verifyAnswer(key, frame, frame.id, Date.now());
    const answer = { status: frame.status, body: JSON.parse(frame.body), check: check.ok ? "ok" : check.reason };
    answers.set(frame.id, answer);
    waiters.get(frame.id)?.(answer);
  }

  /** Signs and sends a command on the newest socket; resolves with its answer. */
  async function send(fields: Omit<CommandFrame, "type" | "sig" | "id" | "ts"> & { id?: string; ts?: number }, tamper?: (f: CommandFrame) => CommandFrame): Promise<StubAnswer> {
    const key = await deriveConnectorKey(SECRET, connectorId);
    const frame = await signCommand(key, { id: fields.id ?? randomId(), ts: fields.ts ?? Math.floor(Date.now() / 1000), method: fields.method, path: fields.path, instance: fields.instance, epoch: fields.epoch, body: fields.body });
    const sent = tamper ? tamper(frame) : frame;
    return sendRaw(sent);
  }

  function sendRaw(frame: CommandFrame): Promise<StubAnswer> {
    const ws = sockets.at(-1);
    if (!ws) return Promise.reject(new Error("no connector socket"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${frame.path}`)), 5_000);
      waiters.set(frame.id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      ws.send(JSON.stringify(frame));
    });
  }

  return {
    state,
    answers,
    send,
    sendRaw,
    refused: () => refused,
    pings: () => pings,
    /** Waits until the connector has answered its first assignment list. */
    async ready(timeoutMs = 5_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (answers.size === 0) {
        if (Date.now() > deadline) throw new Error("the connector never answered its assignments");
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    /** Drops every connector socket (a worker deploy). */
    dropAll(): void {
      for (const ws of sockets.splice(0)) ws.terminate();
    },
    close(): void {
      for (const ws of sockets.splice(0)) ws.terminate();
      wss.close();
    },
  };
}

/**
 * A command sent the way the worker sends it: a signed frame on the connector's socket, bound to the
 * instance its path names and the epoch the connector holds that instance at. The answer must carry
 * a valid signature; it comes back as a Response so tests read it like an HTTP answer.
 */
export async function socketCommand(
  fleet: FleetStub,
  connector: { fleet: { epochOf(instance: string): number | undefined } },
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<Response> {
  const instance = instanceOfPath(path);
  const answer = await fleet.send({ method, path, instance, epoch: connector.fleet.epochOf(instance) ?? 0, body: body === undefined ? "" : JSON.stringify(body) });
  if (answer.check !== "ok") throw new Error(`the answer to ${method} ${path} is not signed right: ${answer.check}`);
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { "content-type": "application/json" } });
}
