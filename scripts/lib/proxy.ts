// A local HTTP proxy between the connector and the worker for the drills: it can delay every
// request (a slow worker) or stop listening (an unreachable worker). 127.0.0.1 only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Proxy {
  url: string;
  /** Requests answered by the upstream and passed back. */
  completed: number;
  /** Sum of `duplicates` in the upstream's ingest answers (batches resent after a crash). */
  ingestDuplicates: number;
  delayMs: number;
  /** Stops listening and drops open connections: callers get ECONNREFUSED. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(upstream: string, delayMs = 0): Promise<Proxy> {
  let server: Server | undefined;
  let port = 0;
  const proxy: Proxy = {
    url: "",
    completed: 0,
    ingestDuplicates: 0,
    delayMs,
    down: async () => {
      const current = server;
      server = undefined;
      if (!current) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    up: async () => {
      if (server) return;
      server = makeServer();
      const s = server;
      await new Promise<void>((resolve) => s.listen(port, "127.0.0.1", resolve));
      port = (s.address() as AddressInfo).port;
    },
    close: () => proxy.down(),
  };

  function makeServer(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        try {
          if (proxy.delayMs > 0) await new Promise((r) => setTimeout(r, proxy.delayMs));
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
          const upstreamRes = await fetch(`${upstream}${req.url ?? "/"}`, {
            method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, signal: AbortSignal.timeout(60_000),
          });
          const body = Buffer.from(await upstreamRes.arrayBuffer());
          res.writeHead(upstreamRes.status, { "content-type": upstreamRes.headers.get("content-type") ?? "text/plain" }).end(body);
          proxy.completed++;
          if (upstreamRes.status === 200) proxy.ingestDuplicates += duplicatesIn(body);
        } catch (error) {
          res.writeHead(502).end(error instanceof Error ? error.message : String(error));
        }
      });
    });
  }

  function duplicatesIn(body: Buffer): number {
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { duplicates?: unknown };
      return typeof parsed.duplicates === "number" ? parsed.duplicates : 0;
    } catch {
      return 0;
    }
  }

  await proxy.up();
  proxy.url = `http://127.0.0.1:${port}`;
  return proxy;
}
