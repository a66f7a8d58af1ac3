// Worker configuration: defaults, global webhook settings, and a clear error per bad variable.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../worker/env.ts";

const required = { AUTHENTICATION_API_KEY: "global-key-123", CONNECTOR_SECRET: "connector-secret-0123456789" };

function issuesOf(vars: Record<string, unknown>): string[] {
  try {
    loadConfig({ ...vars });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("applies safe defaults when only the secrets are set", () => {
    const config = loadConfig({ ...required });
    expect(config.serverUrl).toBe("http://localhost:8787");
    expect(config.allowPrivateUrls).toBe(false);
    expect(config.exposeInFetchInstances).toBe(false);
    expect(config.globalWebhook).toEqual({ enabled: false, url: undefined, byEvents: false, secret: undefined, events: new Set() });
    expect(config.retry).toEqual({
      maxAttempts: 40, initialDelaySeconds: 5, useExponentialBackoff: true, maxDelaySeconds: 3600,
      jitterFactor: 0.2, nonRetryableStatusCodes: [400, 401, 403, 404, 422],
    });
    expect(config.requestTimeoutMs).toBe(10_000);
    expect(config.maxConcurrency).toBe(6);
    expect(config.storageBudgetBytes).toBe(4096 * 1024 * 1024);
    expect(config.retentionMaxMs).toBe(7 * 86_400_000);
  });

  it("parses the global webhook and its per-event switches", () => {
    const config = loadConfig({
      ...required,
      WEBHOOK_GLOBAL_URL: "https://hooks.example.com/wa",
      WEBHOOK_GLOBAL_ENABLED: "true",
      WEBHOOK_GLOBAL_WEBHOOK_BY_EVENTS: "1",
      WEBHOOK_GLOBAL_SECRET: "whsec_c2VjcmV0",
      WEBHOOK_EVENTS_MESSAGES_UPSERT: "true",
      WEBHOOK_EVENTS_GROUPS_UPDATE: "true",
      WEBHOOK_EVENTS_CALL: "false",
      SERVER_URL: "https://api.example.com/",
    });
    expect(config.globalWebhook).toEqual({
      enabled: true, url: "https://hooks.example.com/wa", byEvents: true, secret: "whsec_c2VjcmV0",
      events: new Set(["MESSAGES_UPSERT", "GROUPS_UPDATE"]),
    });
    expect(config.serverUrl).toBe("https://api.example.com");
  });

  it("keeps the global webhook off without a URL even when enabled", () => {
    expect(loadConfig({ ...required, WEBHOOK_GLOBAL_ENABLED: "true" }).globalWebhook.enabled).toBe(false);
  });

  it.each([
    [{ AUTHENTICATION_API_KEY: undefined }, "AUTHENTICATION_API_KEY"],
    [{ CONNECTOR_SECRET: "short" }, "CONNECTOR_SECRET"],
    [{ WEBHOOK_ALLOW_PRIVATE_URLS: "yes" }, "WEBHOOK_ALLOW_PRIVATE_URLS"],
    [{ WEBHOOK_RETRY_MAX_ATTEMPTS: "0" }, "WEBHOOK_RETRY_MAX_ATTEMPTS"],
    [{ WEBHOOK_RETRY_MAX_ATTEMPTS: "2.5" }, "WEBHOOK_RETRY_MAX_ATTEMPTS"],
    [{ WEBHOOK_RETRY_JITTER_FACTOR: "1.5" }, "WEBHOOK_RETRY_JITTER_FACTOR"],
    [{ WEBHOOK_RETRY_NON_RETRYABLE_STATUS_CODES: "400,abc" }, "WEBHOOK_RETRY_NON_RETRYABLE_STATUS_CODES"],
    [{ WEBHOOK_GLOBAL_URL: "ftp://x" }, "WEBHOOK_GLOBAL_URL"],
    [{ WEBHOOK_MAX_CONCURRENCY: "7" }, "WEBHOOK_MAX_CONCURRENCY"],
    [{ WEBHOOK_RETRY_MAX_DELAY_SECONDS: "86401" }, "WEBHOOK_RETRY_MAX_DELAY_SECONDS"],
    [{ STORAGE_BUDGET_MB: "0" }, "STORAGE_BUDGET_MB"],
    [{ STORAGE_BUDGET_MB: "20000" }, "STORAGE_BUDGET_MB"],
    [{ RETENTION_MAX_DAYS: "0.5" }, "RETENTION_MAX_DAYS"],
    [{ WEBHOOK_EVENTS_CALL: "maybe" }, "WEBHOOK_EVENTS_CALL"],
  ])("names the bad variable %o", (override, name) => {
    const issues = issuesOf({ ...required, ...override });
    expect(issues.some((issue) => issue.startsWith(name))).toBe(true);
  });

  it("takes a storage budget, a retention and retry delays of up to 24 h", () => {
    const config = loadConfig({ ...required, STORAGE_BUDGET_MB: "8", RETENTION_MAX_DAYS: "30", WEBHOOK_RETRY_MAX_DELAY_SECONDS: "86400" });
    expect(config.storageBudgetBytes).toBe(8 * 1024 * 1024);
    expect(config.retentionMaxMs).toBe(30 * 86_400_000);
    expect(config.retry.maxDelaySeconds).toBe(86_400);
  });

  it("accepts a fractional jitter but not a fractional attempt count", () => {
    expect(loadConfig({ ...required, WEBHOOK_RETRY_JITTER_FACTOR: "0.35" }).retry.jitterFactor).toBe(0.35);
  });
});
