// A replay client for the ingest endpoint (docs/protocol.md#ingest-endpoint): builds recorded-payload-shaped events and
// sends them in signed batches, the way the connector does. Test tooling; 127.0.0.1 only.
import { connectorSignatureHeaders } from "../../protocol/signing.ts";
import { deriveConnectorKey, FLEET_HEADERS } from "../../protocol/fleet.ts";
import { INGEST_PATH, type ConnectorEvent } from "../../protocol/envelope.ts";

export const BENCH_ME = { id: "15550001111@s.whatsapp.net", name: "Bench" };

/** A `messages.upsert` text message shaped like recorded payload E1, whose key id is the event id. */
export function textMessageEvent(instance: string, id: string, atMs: number): ConnectorEvent {
  return {
    id,
    instance,
    type: "messages.upsert",
    at: atMs,
    me: BENCH_ME,
    payload: {
      messages: [
        {
          key: { remoteJid: "15552223333@s.whatsapp.net", fromMe: false, id, participant: "", addressingMode: "pn" },
          messageTimestamp: Math.floor(atMs / 1000),
          pushName: "Carol",
          broadcast: false,
          message: { conversation: `bench message ${id}` },
        },
      ],
      type: "notify",
    },
  };
}

export interface IngestTarget {
  baseUrl: string;
  secret: string;
  connectorId: string;
  /** Instance → the epoch `connectorId` holds it at (fleet-client.ts); events are stamped with it. */
  epochs?: Map<string, number>;
}

export interface BatchResult {
  status: number;
  accepted: number;
  duplicates: number;
  attempts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts one signed batch; retries 5xx and network errors (nothing was stored) up to `maxAttempts`. */
export async function postBatch(target: IngestTarget, events: ConnectorEvent[], maxAttempts = 5): Promise<BatchResult> {
  const stamped = events.map((e) => ({ ...e, epoch: target.epochs?.get(e.instance) ?? e.epoch }));
  const body = JSON.stringify({ connector: target.connectorId, events: stamped });
  // Signed like a connector: its own key, its id in the header (docs/protocol.md#ingest-authority).
  const key = await deriveConnectorKey(target.secret, target.connectorId);
  let lastError = "";
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const headers = { [FLEET_HEADERS.connector]: target.connectorId, ...(await connectorSignatureHeaders(key, body, Date.now())) };
      const res = await fetch(`${target.baseUrl}${INGEST_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
        signal: AbortSignal.timeout(60_000),
      });
      const text = await res.text();
      if (res.status === 200) {
        const parsed = JSON.parse(text) as { accepted?: number; duplicates?: number };
        return { status: 200, accepted: parsed.accepted ?? 0, duplicates: parsed.duplicates ?? 0, attempts: attempt };
      }
      lastError = `HTTP ${res.status}: ${text.slice(0, 300)}`;
      if (res.status < 500) break;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(200 * attempt);
  }
  throw new Error(`ingest batch failed: ${lastError}`);
}

export interface ReplayResult {
  accepted: number;
  duplicates: number;
  retries: number;
  /** Send time (ms, performance.timeOrigin based) of each event's batch. */
  sentAt: Map<string, number>;
  startedAt: number;
  finishedAt: number;
}

export interface ReplayOptions {
  target: IngestTarget;
  instance: string;
  count: number;
  batchSize: number;
  concurrency: number;
  idPrefix: string;
  /** Hard stop; the replay throws if exceeded. */
  timeoutMs: number;
}

/** Sends `count` events as fast as `concurrency` parallel batch senders allow. */
export async function replayAsFastAsPossible(options: ReplayOptions): Promise<ReplayResult> {
  const now = () => performance.timeOrigin + performance.now();
  const result: ReplayResult = { accepted: 0, duplicates: 0, retries: 0, sentAt: new Map(), startedAt: now(), finishedAt: 0 };
  const deadline = Date.now() + options.timeoutMs;
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      if (Date.now() > deadline) throw new Error(`replay exceeded ${options.timeoutMs} ms`);
      const from = next;
      const to = Math.min(options.count, from + options.batchSize);
      next = to;
      const sentAt = now();
      const events: ConnectorEvent[] = [];
      for (let i = from; i < to; i++) {
        const id = `${options.idPrefix}-${i}`;
        events.push(textMessageEvent(options.instance, id, Date.now()));
        result.sentAt.set(id, sentAt);
      }
      const batch = await postBatch(options.target, events);
      result.accepted += batch.accepted;
      result.duplicates += batch.duplicates;
      result.retries += batch.attempts - 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.finishedAt = now();
  return result;
}

/** Sends `ratePerSecond` events for `seconds`, in ticks of `tickMs`, one batch per tick. */
export async function replayAtFixedRate(
  options: Omit<ReplayOptions, "count" | "batchSize" | "concurrency"> & { ratePerSecond: number; seconds: number; tickMs: number },
): Promise<ReplayResult> {
  const now = () => performance.timeOrigin + performance.now();
  const result: ReplayResult = { accepted: 0, duplicates: 0, retries: 0, sentAt: new Map(), startedAt: now(), finishedAt: 0 };
  const total = Math.round(options.ratePerSecond * options.seconds);
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  for (let tick = 0; sent < total; tick++) {
    if (now() - result.startedAt > options.timeoutMs) throw new Error(`fixed-rate replay exceeded ${options.timeoutMs} ms`);
    const due = Math.min(total, Math.round(((tick + 1) * options.tickMs * options.ratePerSecond) / 1000));
    const events: ConnectorEvent[] = [];
    const sentAt = now();
    for (; sent < due; sent++) {
      const id = `${options.idPrefix}-${sent}`;
      events.push(textMessageEvent(options.instance, id, Date.now()));
      result.sentAt.set(id, sentAt);
    }
    if (events.length) {
      inFlight.push(
        postBatch(options.target, events).then((batch) => {
          result.accepted += batch.accepted;
          result.duplicates += batch.duplicates;
          result.retries += batch.attempts - 1;
        }),
      );
    }
    const wait = result.startedAt + (tick + 1) * options.tickMs - now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inFlight);
  result.finishedAt = now();
  return result;
}
