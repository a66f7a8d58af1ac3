// The bench's second baseline: the bare relay of relay.ts as a Worker, run in the same local
// runtime as l2msg (scripts/lib/dev-server.ts). It takes the same ingest batches and POSTs each
// event straight to the receiver with no storage, queue, retry or signature, then answers 200.
// Locally every Worker, D1 and the queue share one workerd thread: this relay is what the runtime
// itself can deliver, the ceiling for l2msg on this machine (BENCHMARKS.md). Bench tooling only;
// never deployed.
import type { ConnectorEvent, IngestEnvelope } from "../../protocol/envelope.ts";

interface RelayEnv {
  /** The receiver's URL. */
  RELAY_TARGET: string;
  /** POSTs in flight per ingest request (the node relay bounds all requests together by its sockets). */
  RELAY_LANES?: string;
}

async function postOne(target: string, event: ConnectorEvent): Promise<void> {
  const message = (event.payload as { messages?: unknown[] }).messages?.[0];
  const body = JSON.stringify({ event: "messages.upsert", instance: event.instance, data: message, date_time: new Date(event.at).toISOString() });
  try {
    const response = await fetch(target, { method: "POST", body, headers: { "content-type": "application/json", "webhook-id": event.id } });
    await response.arrayBuffer();
  } catch {
    // Like the node relay: a failed POST is not retried (the bench counts it as lost).
  }
}

export default {
  async fetch(request: Request, env: RelayEnv): Promise<Response> {
    if (request.method !== "POST") return new Response("bench relay");
    const { events } = (await request.json()) as IngestEnvelope;
    const lanes = Math.max(1, Number(env.RELAY_LANES ?? 1));
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(lanes, events.length) }, async () => {
      while (next < events.length) await postOne(env.RELAY_TARGET, events[next++] as ConnectorEvent);
    }));
    return Response.json({ accepted: events.length, duplicates: 0 });
  },
};
