// A webhook receiver whose answer the test switches (e.g. 404, then 200), recording each request's
// webhook-id and event. Test tooling only.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface SwitchableReceiver {
  url: string;
  status: number;
  requests: { webhookId: string; event: string; status: number }[];
  close(): Promise<void>;
}

export async function startSwitchableReceiver(status: number): Promise<SwitchableReceiver> {
  const receiver = { status, requests: [] as SwitchableReceiver["requests"] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let event = "";
      try {
        event = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { event?: string }).event ?? "";
      } catch {
        event = "(not json)";
      }
      const answer = receiver.status;
      receiver.requests.push({ webhookId: String(req.headers["webhook-id"] ?? ""), event, status: answer });
      res.writeHead(answer, { "content-type": "text/plain" }).end(answer < 300 ? "thanks" : "no such hook");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
