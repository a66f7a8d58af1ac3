// Decisions of the batch consumer: which queue messages to send, ack or delay, how long a batch
// lease lasts, and what an attempt's outcome means for the delivery row and the queue message.
// Pure: no I/O, no clock (callers pass `now`).
import type { Config } from "../env.ts";
import type { SettledAttempt, UnclaimedState } from "../storage/deliveries.ts";
import { MAX_QUEUE_DELAY_SECONDS, queueDelayUntil, type Outcome } from "./policy.ts";

export type MessageAction = { action: "ack" } | { action: "retry"; delaySeconds: number };

export const ACK: MessageAction = { action: "ack" };

/** A message may arrive this much before next_attempt_at and still be sent. */
export const EARLY_TOLERANCE_MS = 1_000;
/** Lease margin beyond the worst-case sending time, covering the D1 writes around the calls. */
export const LEASE_MARGIN_MS = 30_000;
/** Back-off for an unexpected error (D1 unavailable…); never shorter than the batch's lease. */
export const ERROR_RETRY_SECONDS = 60;

/**
 * How long a consumer batch holds its deliveries: every call may run into the request timeout,
 * `maxConcurrency` at a time. Nobody else (another message, the sweep) sends a leased delivery,
 * so the lease must outlast the last call of the batch.
 */
export function batchLeaseMs(claimed: number, config: Pick<Config, "maxConcurrency" | "requestTimeoutMs">): number {
  const rounds = Math.ceil(Math.max(1, claimed) / config.maxConcurrency);
  return rounds * config.requestTimeoutMs + LEASE_MARGIN_MS;
}

/** Queue consumers may run 15 min (wall time); the worst-case lease of one invocation stays below this. */
export const INVOCATION_BUDGET_MS = 14 * 60_000;

/**
 * How many delivery ids one consumer invocation claims: as many as fit the invocation budget if
 * every call ran into the request timeout (never fewer than one full message). With the defaults
 * (10 s timeout, 6 at a time) that is 486; the rest of the batch goes back in a follow-up message.
 */
export function maxIdsPerInvocation(config: Pick<Config, "maxConcurrency" | "requestTimeoutMs">, idsPerMessage: number): number {
  const rounds = Math.floor((INVOCATION_BUDGET_MS - LEASE_MARGIN_MS) / config.requestTimeoutMs);
  return Math.max(idsPerMessage, rounds * config.maxConcurrency);
}

/**
 * Follow-up messages for the deliveries that must come back later (`retry` actions): sorted by
 * delay and chunked, each chunk delayed by its smallest delay (capped at one 24 h queue hop),
 * so nobody comes back late; one that comes back early is re-deferred by `unclaimedAction`.
 */
export function followUpGroups(actions: Map<string, MessageAction>, chunkSize: number): { ids: string[]; delaySeconds: number }[] {
  const retries = [...actions].flatMap(([id, a]) => (a.action === "retry" ? [{ id, delaySeconds: Math.min(a.delaySeconds, MAX_QUEUE_DELAY_SECONDS) }] : []));
  retries.sort((a, b) => a.delaySeconds - b.delaySeconds);
  const groups: { ids: string[]; delaySeconds: number }[] = [];
  for (let i = 0; i < retries.length; i += chunkSize) {
    const part = retries.slice(i, i + chunkSize);
    groups.push({ ids: part.map((r) => r.id), delaySeconds: part[0]!.delaySeconds });
  }
  return groups;
}

/** Delay for messages after an unexpected error: until the lease taken for them has expired. */
export function errorRetrySeconds(leaseMs: number): number {
  return Math.max(ERROR_RETRY_SECONDS, Math.ceil(leaseMs / 1000) + 1);
}

/**
 * What to do with a message whose delivery this batch did not claim: gone or finished → ack;
 * not due yet → come back when due; due but leased by another consumer → ack (that one sends).
 */
export function unclaimedAction(state: UnclaimedState | undefined, now: number): MessageAction {
  if (!state || state.status !== "pending") return ACK;
  if (state.nextAttemptAt > now + EARLY_TOLERANCE_MS) return { action: "retry", delaySeconds: queueDelayUntil(state.nextAttemptAt, now) };
  return ACK;
}

export interface CallSummary {
  attempt: number;
  startedAt: number;
  url: string;
  statusCode: number | null;
  latencyMs: number;
  responseBody: string | null;
}

/**
 * The delivery row's new state and the queue message's fate after one classified attempt.
 * `firstEver`: the delivery was never attempted before (not even in an earlier round); its
 * success then needs no attempt row, since the delivery row holds the status code and time.
 */
export function settleAttempt(deliveryId: string, call: CallSummary, outcome: Outcome, done: number, firstEver = false): { settled: SettledAttempt; action: MessageAction } {
  const status = outcome.kind === "succeeded" ? "succeeded" : outcome.kind === "retry" ? "pending" : "failed";
  const error = outcome.kind === "succeeded" ? null : outcome.reason;
  const settled: SettledAttempt = {
    deliveryId,
    attempt: { ...call, outcome: outcome.kind, error },
    status,
    nextAttemptAt: outcome.kind === "retry" ? done + outcome.delaySeconds * 1000 : done,
    lastError: error,
    keepAttemptRow: !(firstEver && outcome.kind === "succeeded"),
  };
  // A long Retry-After takes several queue hops; next_attempt_at holds the real due time.
  const action: MessageAction = outcome.kind === "retry" ? { action: "retry", delaySeconds: Math.min(outcome.delaySeconds, MAX_QUEUE_DELAY_SECONDS) } : ACK;
  return { settled, action };
}
