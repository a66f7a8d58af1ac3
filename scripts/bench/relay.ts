// The bench baselines: a bare relay with no storage and no queue. It takes the same signed
// ingest batches as the worker, POSTs each event straight to the receiver, then answers 200.
// It does not retry, sign or persist anything: the cheapest thing that "delivers webhooks".
import { createServer, Agent, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sparePort } from "../lib/local-stack.ts";
import { ROOT, runtimeUrlFromLog, startWorker, waitForHttp } from "../lib/wrangler.ts";
import type { ConnectorEvent, IngestEnvelope } from "../../protocol/envelope.ts";

export interface Relay {
  baseUrl: string;
  close(): Promise<void>;
}

function postOne(agent: Agent, target: URL, event: ConnectorEvent): Promise<void> {
  const message = (event.payload as { messages?: unknown[] }).messages?.[0];
  const body = JSON.stringify({ event: "messages.upsert", instance: event.instance, data: message, date_time: new Date(event.at).toISOString() });
  return new Promise((resolve) => {
    const req = request(
      target,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "webhook-id": event.id } },
      (res) => {
        res.resume();
        res.on("end", () => resolve());
      },
    );
    req.on("error", () => resolve());
    req.end(body);
  });
}

/** `maxSockets` bounds concurrent POSTs to the receiver, like the worker's WEBHOOK_MAX_CONCURRENCY. */
export async function startRelay(receiverUrl: string, maxSockets: number): Promise<Relay> {
  const target = new URL(receiverUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const envelope = JSON.parse(Buffer.concat(chunks).toString("utf8")) as IngestEnvelope;
      await Promise.all(envelope.events.map((event) => postOne(agent, target, event)));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ accepted: envelope.events.length, duplicates: 0 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The same relay as a Worker in the local runtime (relay-worker.ts), started like l2msg's worker
 * (dev-server.ts, inspector off). `lanes`: POSTs in flight per ingest request; `directOutbound`
 * and `directInbound` as for l2msg's worker (scripts/lib/cf-ip-hop.ts, dev-server.ts).
 */
export async function startWorkerRelay(receiverUrl: string, lanes: number, hops: { directOutbound: boolean; directInbound: boolean }): Promise<Relay> {
  const dir = mkdtempSync(join(tmpdir(), "l2msg-bench-relay-"));
  const config = join(dir, "wrangler.toml");
  writeFileSync(config, [
    `name = "l2msg-bench-relay"`,
    `main = ${JSON.stringify(join(ROOT, "scripts/bench/relay-worker.ts"))}`,
    `compatibility_date = "2026-04-20"`,
    "",
  ].join("\n"));
  const port = await sparePort();
  const logFile = join(dir, "relay.log");
  const proc = startWorker({ config, port, vars: { RELAY_TARGET: receiverUrl, RELAY_LANES: String(lanes) }, logFile, directOutbound: hops.directOutbound });
  let baseUrl = `http://127.0.0.1:${port}`;
  const close = async () => {
    await proc.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(baseUrl, 90_000, proc);
    if (hops.directInbound) baseUrl = await runtimeUrlFromLog(logFile);
  } catch (error) {
    await close();
    throw error;
  }
  return { baseUrl, close };
}
