// A local webhook receiver (node:http on 127.0.0.1) for the bench and the drills. It counts
// distinct `webhook-id`s and event ids, timestamps the first 2xx per event, and can misbehave
// on demand (500, hang, 410). Test tooling only: never used by the worker or the connector.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceiverMode = "ok" | "fail500" | "hang" | "gone410";

export interface ReceiverStats {
  /** Every request received, whatever the answer. */
  requests: number;
  /** Requests answered 2xx. */
  accepted: number;
  /** Distinct `webhook-id`s answered 2xx. */
  distinctWebhookIds: number;
  /** 2xx answers for a `webhook-id` already answered 2xx (at-least-once redeliveries). */
  duplicateWebhookIds: number;
  /** Distinct event ids answered 2xx. */
  distinctEvents: number;
  /** 2xx answers for an event id already answered 2xx under another or the same webhook-id. */
  duplicateEvents: number;
  /** Requests without a `webhook-id` or whose event id could not be read. */
  malformed: number;
}

export interface Receiver {
  url: string;
  port: number;
  mode: ReceiverMode;
  /** First 2xx time (ms, performance.timeOrigin based) per event id. */
  firstAcceptedAt: Map<string, number>;
  stats(): ReceiverStats;
  /** True once `count` distinct events were accepted; false after `timeoutMs`, or after `stallMs` without a new one. */
  waitForEvents(count: number, timeoutMs: number, stallMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Reads the event id the bench/drills put in every message: `data.key.id` (falls back to the webhook-id). */
export function eventIdOf(body: unknown): string | undefined {
  const data = (body as { data?: { key?: { id?: unknown } } } | null)?.data;
  const id = data?.key?.id;
  return typeof id === "string" ? id : undefined;
}

export const nowMs = () => performance.timeOrigin + performance.now();

export async function startReceiver(initialMode: ReceiverMode = "ok", port = 0): Promise<Receiver> {
  const webhookIds = new Set<string>();
  const firstAcceptedAt = new Map<string, number>();
  const counters = { requests: 0, accepted: 0, duplicateWebhookIds: 0, duplicateEvents: 0, malformed: 0 };
  const hanging = new Set<ServerResponse>();

  const receiver: Receiver = {
    url: "",
    port: 0,
    mode: initialMode,
    firstAcceptedAt,
    stats: () => ({ ...counters, distinctWebhookIds: webhookIds.size, distinctEvents: firstAcceptedAt.size }),
    waitForEvents: async (count, timeoutMs, stallMs = Number.POSITIVE_INFINITY) => {
      const deadline = Date.now() + timeoutMs;
      let seen = firstAcceptedAt.size;
      let progressAt = Date.now();
      while (firstAcceptedAt.size < count && Date.now() < deadline && Date.now() - progressAt < stallMs) {
        await new Promise((r) => setTimeout(r, 50));
        if (firstAcceptedAt.size !== seen) [seen, progressAt] = [firstAcceptedAt.size, Date.now()];
      }
      return firstAcceptedAt.size >= count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function accept(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const at = nowMs();
    const webhookId = req.headers["webhook-id"];
    let eventId: string | undefined;
    try {
      eventId = eventIdOf(JSON.parse(raw));
    } catch {
      eventId = undefined;
    }
    if (typeof webhookId !== "string" || !eventId) counters.malformed++;
    if (typeof webhookId === "string") {
      if (webhookIds.has(webhookId)) counters.duplicateWebhookIds++;
      webhookIds.add(webhookId);
    }
    if (eventId) {
      if (firstAcceptedAt.has(eventId)) counters.duplicateEvents++;
      else firstAcceptedAt.set(eventId, at);
    }
    counters.accepted++;
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  }

  const server: Server = createServer((req, res) => {
    counters.requests++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const mode = receiver.mode;
      if (mode === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (mode === "fail500") return void res.writeHead(500).end("receiver failing on purpose");
      if (mode === "gone410") return void res.writeHead(410).end("gone");
      accept(req, res, Buffer.concat(chunks).toString("utf8"));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}
