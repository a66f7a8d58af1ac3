// Shared plumbing for the failure drills: a throwaway worker with short retry timings, a
// receiver, an instance wired to it, event sending, and the "nothing lost" verdict.
import { randomBytes } from "node:crypto";
import { callApi } from "../lib/api.ts";
import { postBatch, textMessageEvent } from "../lib/ingest-client.ts";
import { startLocalWorker, withInstance, type LocalWorker } from "../lib/local-stack.ts";
import { startReceiver, type Receiver, type ReceiverMode } from "../lib/receiver.ts";
import { lostIds } from "../lib/stats.ts";

export const INSTANCE = "drill";

/** Short retry timings and sweep grace so failures recover in seconds (names as in docs/configuration.md#worker). */
export const FAST_RETRY_VARS: Record<string, string> = {
  WEBHOOK_RETRY_INITIAL_DELAY_SECONDS: "1",
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: "2",
  WEBHOOK_RETRY_JITTER_FACTOR: "0",
  WEBHOOK_RETRY_MAX_ATTEMPTS: "100",
  WEBHOOK_REQUEST_TIMEOUT_MS: "1000",
  WEBHOOK_MAX_CONCURRENCY: "6",
  // The sweep takes unleased pending deliveries this far past due (production default 120 s).
  WEBHOOK_SWEEP_GRACE_SECONDS: "5",
};

export interface DrillResult {
  name: string;
  ok: boolean;
  sent: number;
  delivered: number;
  lost: number;
  duplicateEvents: number;
  duplicateWebhookIds: number;
  seconds: number;
  notes: string[];
}

export interface DrillContext {
  worker: LocalWorker;
  receiver: Receiver;
  ids: string[];
  notes: string[];
  /** Sends `count` new events in signed batches of `batchSize`; returns their ids. */
  send(count: number, batchSize?: number): Promise<string[]>;
  /** Asserts a condition; a failed check fails the drill with `message`. */
  check(condition: boolean, message: string): void;
}

export class DrillFailure extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export { sleep };

export async function withDrill(
  name: string,
  /** `connectorId`: the connector the drill's instance is placed on (default: the ingest client's own id). */
  setup: { receiverMode: ReceiverMode; vars?: Record<string, string>; testScheduled?: boolean; connectorId?: string },
  body: (ctx: DrillContext) => Promise<void>,
  waitMs: number,
): Promise<DrillResult> {
  const started = Date.now();
  const receiver = await startReceiver(setup.receiverMode);
  const worker = await startLocalWorker({
    config: { withoutConsole: true },
    label: `drill-${name}`, vars: { ...FAST_RETRY_VARS, ...setup.vars }, testScheduled: setup.testScheduled,
  });
  if (setup.connectorId) worker.ingest.connectorId = setup.connectorId;
  const prefix = `${name}-${randomBytes(3).toString("hex")}`;
  const ctx: DrillContext = {
    worker, receiver, ids: [], notes: [],
    send: async (count, batchSize = 50) => {
      const ids: string[] = [];
      for (let from = 0; from < count; from += batchSize) {
        const events = [];
        for (let i = from; i < Math.min(count, from + batchSize); i++) {
          const id = `${prefix}-${ctx.ids.length + i}`;
          events.push(textMessageEvent(INSTANCE, id, Date.now()));
          ids.push(id);
        }
        await postBatch(worker.ingest, events);
      }
      ctx.ids.push(...ids);
      return ids;
    },
    check: (condition, message) => {
      if (!condition) throw new DrillFailure(message);
    },
  };
  let failure: string | undefined;
  try {
    await withInstance(worker, INSTANCE, receiver.url);
    await body(ctx);
    await receiver.waitForEvents(ctx.ids.length, waitMs);
    await sleep(1_000); // late duplicates, if any
  } catch (error) {
    failure = error instanceof DrillFailure ? error.message : error instanceof Error ? error.stack ?? error.message : String(error);
  }
  const stats = receiver.stats();
  const lost = lostIds(ctx.ids, receiver.firstAcceptedAt).length;
  if (failure) ctx.notes.push(`FAILED: ${failure}`);
  else if (lost > 0) ctx.notes.push(`FAILED: ${lost} of ${ctx.ids.length} events never delivered`);
  if (failure || lost > 0) ctx.notes.push(`worker log kept: ${worker.logFile}`);
  await worker.dispose(Boolean(failure) || lost > 0);
  await receiver.close();
  return {
    name, ok: !failure && lost === 0 && ctx.ids.length > 0, sent: ctx.ids.length, delivered: stats.distinctEvents, lost,
    duplicateEvents: stats.duplicateEvents, duplicateWebhookIds: stats.duplicateWebhookIds,
    seconds: Math.round((Date.now() - started) / 1000), notes: ctx.notes,
  };
}

/** Ids of the instance's deliveries with `status` (first page of up to 100). */
export async function deliveryIds(worker: LocalWorker, status: "pending" | "succeeded" | "failed"): Promise<string[]> {
  const res = await callApi(worker.api, "GET", `/deliveries/${INSTANCE}?status=${status}&limit=100`);
  if (res.status !== 200) throw new DrillFailure(`GET /deliveries: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
  return ((res.json as { deliveries: { id: string }[] }).deliveries ?? []).map((d) => d.id);
}
