// A webhook receiver for the end-to-end suites that keeps every request (headers + parsed body),
// so tests assert on exactly what a user's endpoint got. Always answers 200; test tooling only.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface WebhookBody {
  event: string;
  instance: string;
  data: Record<string, unknown> & { key?: Record<string, unknown> };
  destination?: string;
  date_time?: string;
  sender?: string;
  server_url?: string;
  apikey?: string;
  sequence?: number;
}

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as sent (for signature checks). */
  raw: string;
  body: WebhookBody;
}

export interface WebhookInbox {
  url: string;
  received: ReceivedWebhook[];
  /** The first webhook matching `match` (already received or arriving within `timeoutMs`). */
  waitFor(match: (w: ReceivedWebhook) => boolean, what: string, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

const POLL_MS = 50;

export async function startWebhookInbox(): Promise<WebhookInbox> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({ path: req.url ?? "/", headers: req.headers, raw, body: JSON.parse(raw) as WebhookBody });
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      } catch {
        res.writeHead(400, { "content-type": "text/plain" }).end("not json");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const waitFor: WebhookInbox["waitFor"] = async (match, what, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = received.find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = received.map((w) => `${w.body.instance}:${w.body.event}`).join(", ");
        throw new Error(`no webhook "${what}" within ${timeoutMs} ms; received: [${seen}]`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
