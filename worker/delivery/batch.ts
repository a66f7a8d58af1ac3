// One queue batch of deliveries (all ids of all its messages), set-based: claim + load all (one D1 round trip) → prepare and
// POST with bounded concurrency → classify → record outcomes in small groups as they come
// (recorder.ts). Per-delivery D1 calls are what piled up sockets and time locally
// (BENCHMARKS.md), so there are none here.
import type { Config, Env } from "../env.ts";
import { log } from "../log.ts";
import { claimAndLoadDeliveries, type DeliveryContext } from "../storage/deliveries.ts";
import { recordBatchSettlement, type BatchSettlement } from "./store.ts";
import { OutcomeRecorder } from "./recorder.ts";
import { TEST_EVENT } from "./test-event.ts";
import { releaseNextInChats } from "./ordering.ts";
import { healthUpdates } from "./health.ts";
import { CallDeadlines, callWebhook, prepareRequest, type FetchFn } from "./deliver.ts";
import { classifyAttempt } from "./policy.ts";
import { EARLY_TOLERANCE_MS, errorRetrySeconds, settleAttempt, unclaimedAction, type MessageAction } from "./settle.ts";
import { syncInstancesById } from "../lifecycle/connector-settings.ts";

export interface ConsumerDeps {
  fetch: FetchFn;
  now: () => number;
  random: () => number;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachWithLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

interface SendContext {
  config: Config;
  deps: ConsumerDeps;
  lockedUntil: number;
  /** The timeout of every call of the batch (one timer for all). */
  deadlines: CallDeadlines;
  recorder: OutcomeRecorder;
  actions: Map<string, MessageAction>;
}

/**
 * Never attempted, in any round (a redelivery keeps the previous round's status code or error):
 * a success then needs no attempt row. Except the test event: a person reads its attempt,
 * response body included, in the console (docs/api.md#test-event); it is rare.
 */
const isFirstEver = (ctx: DeliveryContext) =>
  ctx.delivery.attempts === 0 && ctx.delivery.lastStatusCode === null && ctx.delivery.lastError === null && ctx.delivery.event !== TEST_EVENT;

/** prepare → call → classify for one claimed delivery; the result goes into the batch settlement. */
async function sendOne(ctx: DeliveryContext, s: SendContext): Promise<void> {
  const { config, deps } = s;
  const id = ctx.delivery.id;
  const startedAt = deps.now();
  // Never call past the lease: after it, another consumer or the sweep may send this delivery.
  if (startedAt + config.requestTimeoutMs > s.lockedUntil) {
    s.actions.set(id, { action: "retry", delaySeconds: Math.ceil((s.lockedUntil - startedAt) / 1000) + 1 });
    s.recorder.release(id);
    return;
  }
  const prepared = await prepareRequest(ctx, config, startedAt);
  if (!prepared.ok) {
    s.recorder.addUnsendable(id, prepared.reason);
    s.actions.set(id, { action: "ack" });
    return;
  }
  const attempt = ctx.delivery.attempts + 1;
  const call = await callWebhook(deps.fetch, prepared.request, s.deadlines, deps.now);
  const done = deps.now();
  const outcome = classifyAttempt(call.result, attempt, config.retry, done, deps.random());
  const statusCode = call.result.kind === "response" ? call.result.status : null;
  const { settled, action } = settleAttempt(id, {
    attempt, startedAt, url: prepared.request.url, statusCode, latencyMs: call.latencyMs, responseBody: call.responseBody,
  }, outcome, done, isFirstEver(ctx));
  const { target, instanceId, webhookId } = ctx.delivery;
  const disable = outcome.kind === "gone" && target === "instance" && instanceId && webhookId ? { instanceId, webhookId } : undefined;
  s.recorder.addAttempt(settled, disable);
  s.actions.set(id, action);
  if (disable) log.warn("webhook_disabled_after_410", { instance: ctx.delivery.instanceName, webhookId: disable.webhookId });
  // Successes are in the attempt log and the batch line; one line each for the rest.
  if (outcome.kind !== "succeeded") {
    log.info("delivery_attempt", { deliveryId: id, instance: ctx.delivery.instanceName, target: ctx.delivery.target, attempt, statusCode, outcome: outcome.kind });
  }
}

/**
 * An unexpected error for one delivery leaves it leased (not sent twice) and retries its message
 * after the lease. A slot of the recorder is taken first: a crash re-sends at most its limit.
 */
async function sendOneSafely(ctx: DeliveryContext, s: SendContext): Promise<void> {
  if (!(await s.recorder.acquire())) {
    s.actions.set(ctx.delivery.id, { action: "retry", delaySeconds: errorRetrySeconds(s.lockedUntil - s.deps.now()) });
    return;
  }
  try {
    await sendOne(ctx, s);
  } catch (error) {
    s.recorder.release(ctx.delivery.id);
    log.error("delivery_processing_failed", { deliveryId: ctx.delivery.id, error: error instanceof Error ? error.message : String(error) });
    s.actions.set(ctx.delivery.id, { action: "retry", delaySeconds: errorRetrySeconds(s.lockedUntil - s.deps.now()) });
  }
}

/**
 * One group of outcomes in one transaction (attempts, states, 410'd webhooks disabled, endpoint
 * health), then the next delivery of each ordered chat a finished one unblocks is enqueued and
 * the connector hears of disabled webhooks.
 */
async function recordGroup(env: Env, config: Config, group: BatchSettlement, contexts: ReadonlyMap<string, DeliveryContext>): Promise<void> {
  await recordBatchSettlement(env.DB, { ...group, health: healthUpdates(group, contexts) });
  await releaseNextInChats(env, group, contexts);
  // A webhook that answered 410 may have been the one wanting base64: the connector stops downloading.
  if (group.disableWebhooksOf.length) {
    await syncInstancesById({ config, env }, env.DB, group.disableWebhooksOf.map((k) => k.instanceId), "webhook gone (410)");
  }
}

/**
 * Processes the deliveries `ids` (distinct; every id of every message of one queue batch, up to
 * the invocation cap) and returns what to do with each id: ack (done, or someone else's) or
 * retry after a delay (the caller sends those as follow-up messages). Throws only before anything
 * was sent or when the final write fails; the caller then retries the messages after the lease
 * (`errorRetrySeconds`). `leaseMs` comes from the number of ids, not of messages.
 */
export async function processDeliveryBatch(env: Env, config: Config, deps: ConsumerDeps, ids: string[], leaseMs: number): Promise<Map<string, MessageAction>> {
  const now = deps.now();
  const lockedUntil = now + leaseMs;
  const { contexts, claimed, unclaimed } = await claimAndLoadDeliveries(env.DB, ids, now, now + EARLY_TOLERANCE_MS, lockedUntil);
  const loaded = deps.now();
  const actions = new Map<string, MessageAction>();
  const toSend: DeliveryContext[] = [];
  for (const id of ids) {
    const ctx = contexts.get(id);
    if (ctx && claimed.has(id)) toSend.push(ctx);
    else actions.set(id, unclaimedAction(unclaimed.get(id), now));
  }
  const recorder = new OutcomeRecorder((group) => recordGroup(env, config, group, contexts), deps.now);
  const send: SendContext = { config, deps, lockedUntil, deadlines: new CallDeadlines(config.requestTimeoutMs), recorder, actions };
  await eachWithLimit(toSend, config.maxConcurrency, (ctx) => sendOneSafely(ctx, send));
  const sent = deps.now();
  await recorder.finish();
  const { attempts: outcomes, unsendable, writes, recordMs } = recorder.totals;
  log.info("delivery_batch", {
    ids: ids.length, claimed: toSend.length, succeeded: outcomes.filter((o) => o === "succeeded").length,
    retried: outcomes.filter((o) => o === "retry").length, failed: outcomes.length - outcomes.filter((o) => o === "succeeded" || o === "retry").length,
    unsendable, loadMs: loaded - now, sendMs: sent - loaded, recordMs, recordWrites: writes,
  });
  return actions;
}
