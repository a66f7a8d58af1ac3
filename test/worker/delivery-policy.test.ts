// The retry policy and outcome classification (pure): schedule, jitter bounds, Retry-After,
// non-retryable codes, 410, and the default schedule lasting at least 24 h.
import { describe, expect, it } from "vitest";
import type { RetryConfig } from "../../worker/env.ts";
import {
  MAX_QUEUE_DELAY_SECONDS, classifyAttempt, parseRetryAfter, queueDelayUntil, retryDelaySeconds,
} from "../../worker/delivery/policy.ts";

const DEFAULTS: RetryConfig = {
  maxAttempts: 40, initialDelaySeconds: 5, useExponentialBackoff: true, maxDelaySeconds: 3600, jitterFactor: 0.2,
  nonRetryableStatusCodes: [400, 401, 403, 404, 422],
};
const NO_JITTER = { ...DEFAULTS, jitterFactor: 0 };
const NOW = Date.parse("2026-05-01T12:00:00Z");

describe("retryDelaySeconds", () => {
  it.each([
    [1, 5], [2, 10], [3, 20], [4, 40], [8, 640], [10, 2560], [11, 3600], [39, 3600], [200, 3600],
  ])("exponential, no jitter: after attempt %i waits %i s", (attempt, expected) => {
    expect(retryDelaySeconds(attempt, NO_JITTER, 0.5)).toBe(expected);
  });

  it.each([[1], [5], [30]])("flat backoff waits the initial delay after attempt %i", (attempt) => {
    expect(retryDelaySeconds(attempt, { ...NO_JITTER, useExponentialBackoff: false }, 0.9)).toBe(5);
  });

  it.each([
    [0, 4, 4], [0.999999, 6, 6], [0.5, 5, 5],
  ])("jitter 0.2 with random %f stays within ±20%% of 5 s (%i..%i)", (random, min, max) => {
    const delay = retryDelaySeconds(1, DEFAULTS, random);
    expect(delay).toBeGreaterThanOrEqual(min);
    expect(delay).toBeLessThanOrEqual(max);
  });

  it("never exceeds the max delay, even with upward jitter", () => {
    for (const random of [0, 0.25, 0.5, 0.75, 0.9999]) {
      expect(retryDelaySeconds(20, DEFAULTS, random)).toBeLessThanOrEqual(3600);
      expect(retryDelaySeconds(20, DEFAULTS, random)).toBeGreaterThanOrEqual(2880);
    }
  });

  it("the default schedule keeps retrying for at least 24 h, even with the shortest jitter", () => {
    let total = 0;
    for (let attempt = 1; attempt < DEFAULTS.maxAttempts; attempt++) total += retryDelaySeconds(attempt, DEFAULTS, 0);
    expect(total).toBeGreaterThanOrEqual(24 * 3600);
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["120", 120],
    ["0", 0],
    [new Date(NOW + 90_000).toUTCString(), 90],
    [new Date(NOW - 90_000).toUTCString(), 0],
    ["9999999", 86_400],
    ["soon", undefined],
    ["", undefined],
    [null, undefined],
  ])("%s → %s", (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe("classifyAttempt", () => {
  const response = (status: number, retryAfter?: string) => ({ kind: "response" as const, status, retryAfter });

  it.each([200, 201, 204, 299])("%i succeeds", (status) => {
    expect(classifyAttempt(response(status), 1, NO_JITTER, NOW, 0.5)).toEqual({ kind: "succeeded" });
  });

  it.each([400, 401, 403, 404, 422])("%i fails without retry", (status) => {
    expect(classifyAttempt(response(status), 1, NO_JITTER, NOW, 0.5)).toMatchObject({ kind: "failed" });
  });

  it("410 is gone", () => {
    expect(classifyAttempt(response(410), 1, NO_JITTER, NOW, 0.5)).toEqual({ kind: "gone", reason: "HTTP 410 Gone" });
  });

  it.each([408, 429, 500, 502, 503, 504, 302, 418])("%i is retried on the backoff schedule", (status) => {
    expect(classifyAttempt(response(status), 3, NO_JITTER, NOW, 0.5)).toEqual({ kind: "retry", delaySeconds: 20, reason: `HTTP ${status}` });
  });

  it("a network error or timeout is retried", () => {
    expect(classifyAttempt({ kind: "network-error", error: "timeout after 10000 ms" }, 1, NO_JITTER, NOW, 0.5))
      .toEqual({ kind: "retry", delaySeconds: 5, reason: "timeout after 10000 ms" });
  });

  it.each([
    ["30", 30],
    [new Date(NOW + 600_000).toUTCString(), 600],
  ])("Retry-After %s is honoured", (header, expected) => {
    expect(classifyAttempt(response(429, header), 1, NO_JITTER, NOW, 0.5)).toMatchObject({ kind: "retry", delaySeconds: expected });
  });

  it("a configured code list replaces the default one", () => {
    const custom = { ...NO_JITTER, nonRetryableStatusCodes: [500] };
    expect(classifyAttempt(response(500), 1, custom, NOW, 0.5)).toMatchObject({ kind: "failed" });
    expect(classifyAttempt(response(404), 1, custom, NOW, 0.5)).toMatchObject({ kind: "retry" });
  });

  it("the last attempt fails instead of retrying", () => {
    expect(classifyAttempt(response(503), 40, DEFAULTS, NOW, 0.5)).toEqual({ kind: "failed", reason: "HTTP 503; gave up after 40 attempts" });
    expect(classifyAttempt(response(503), 39, DEFAULTS, NOW, 0.5)).toMatchObject({ kind: "retry" });
  });
});

describe("queueDelayUntil", () => {
  it.each([
    [NOW + 30_500, 31],
    [NOW - 5_000, 0],
    [NOW + 86_400_000, MAX_QUEUE_DELAY_SECONDS],
  ])("due at %i → %i s", (due, expected) => {
    expect(queueDelayUntil(due, NOW)).toBe(expected);
  });
});
