// Retry policy and outcome classification for webhook deliveries (docs/delivery.md#retry-policy).
// Pure: no I/O, no clock, no randomness of its own (callers pass `now` and `random`).
import type { RetryConfig } from "../env.ts";

/**
 * Cloudflare Queues accept at most 24 h of `delaySeconds` when sending or retrying
 * (developers.cloudflare.com/queues/platform/limits/; docs/delivery.md#retry-policy).
 */
export const MAX_QUEUE_DELAY_SECONDS = 86_400;
/** Longest Retry-After we honour; a receiver asking for more gets this. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * Delay before the attempt after attempt number `attempt` (1-based) failed:
 * initial × 2^(attempt-1) (or flat), capped at maxDelaySeconds, then scaled by a jitter
 * factor in [1 - jitter, 1 + jitter) and capped again. `random` is in [0, 1).
 */
export function retryDelaySeconds(attempt: number, retry: RetryConfig, random: number): number {
  const exponent = retry.useExponentialBackoff ? Math.max(0, attempt - 1) : 0;
  const base = Math.min(retry.maxDelaySeconds, retry.initialDelaySeconds * 2 ** Math.min(exponent, 40));
  const factor = 1 + retry.jitterFactor * (2 * random - 1);
  return Math.max(0, Math.min(retry.maxDelaySeconds, Math.round(base * factor)));
}

/** Parses `Retry-After` (delta seconds or an HTTP-date) into seconds from `nowMs`; undefined when absent or invalid. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), MAX_RETRY_AFTER_SECONDS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, Math.ceil((at - nowMs) / 1000)), MAX_RETRY_AFTER_SECONDS);
}

/** What one HTTP attempt produced, as seen by the classifier. */
export type AttemptResult =
  | { kind: "response"; status: number; retryAfter?: string | null }
  | { kind: "network-error"; error: string };

export type Outcome =
  | { kind: "succeeded" }
  | { kind: "retry"; delaySeconds: number; reason: string }
  | { kind: "failed"; reason: string }
  | { kind: "gone"; reason: string };

/**
 * Classifies attempt number `attempt`: 2xx succeeded; 410 gone; listed non-retryable codes
 * failed; everything else (network errors, timeouts, 408, 429, 5xx, 3xx, other 4xx) retried
 * after Retry-After or the backoff delay, unless the attempts are exhausted.
 */
export function classifyAttempt(result: AttemptResult, attempt: number, retry: RetryConfig, nowMs: number, random: number): Outcome {
  let reason: string;
  let retryAfter: number | undefined;
  if (result.kind === "response") {
    const { status } = result;
    if (status >= 200 && status < 300) return { kind: "succeeded" };
    if (status === 410) return { kind: "gone", reason: "HTTP 410 Gone" };
    if (retry.nonRetryableStatusCodes.includes(status)) return { kind: "failed", reason: `HTTP ${status} (not retryable)` };
    reason = `HTTP ${status}`;
    retryAfter = parseRetryAfter(result.retryAfter, nowMs);
  } else {
    reason = result.error;
  }
  if (attempt >= retry.maxAttempts) return { kind: "failed", reason: `${reason}; gave up after ${attempt} attempts` };
  return { kind: "retry", delaySeconds: retryAfter ?? retryDelaySeconds(attempt, retry, random), reason };
}

/** Seconds for one queue `retry()` hop towards `dueAtMs`; longer waits take several hops. */
export function queueDelayUntil(dueAtMs: number, nowMs: number): number {
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.ceil((dueAtMs - nowMs) / 1000)));
}
