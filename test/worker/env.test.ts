// Worker configuration: every default, the global webhook settings, and one error per bad
// variable that names it, says what was expected and what was given.
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
  // The whole Config, so a new setting must state its default here.
  it("applies a default to every setting when only the secrets are set", () => {
    expect(loadConfig({ ...required })).toStrictEqual({
      apiKey: "global-key-123",
      connectorSecret: "connector-secret-0123456789",
      connectorCommandTimeoutMs: 15_000,
      serverUrl: "http://localhost:8787",
      exposeInFetchInstances: false,
      globalWebhook: { enabled: false, url: undefined, byEvents: false, secret: undefined, events: new Set() },
      requestTimeoutMs: 10_000,
      retry: {
        maxAttempts: 40, initialDelaySeconds: 5, useExponentialBackoff: true, maxDelaySeconds: 3600,
        jitterFactor: 0.2, nonRetryableStatusCodes: [400, 401, 403, 404, 422],
      },
      allowPrivateUrls: false,
      maxConcurrency: 6,
      sweepGraceSeconds: 120,
      disableAfterHours: 120,
      storageBudgetBytes: 4096 * 1024 * 1024,
      retentionMaxMs: 7 * 86_400_000,
    });
  });

  it.each([["0.5", 0.5], ["0", 0], ["8760", 8760]])("WEBHOOK_DISABLE_AFTER_HOURS=%s takes fractions (0 = never)", (raw, hours) => {
    expect(loadConfig({ ...required, WEBHOOK_DISABLE_AFTER_HOURS: raw }).disableAfterHours).toBe(hours);
  });

  it.each(["-1", "8761", "soon"])("refuses WEBHOOK_DISABLE_AFTER_HOURS=%s", (raw) => {
    expect(() => loadConfig({ ...required, WEBHOOK_DISABLE_AFTER_HOURS: raw })).toThrow(/WEBHOOK_DISABLE_AFTER_HOURS/);
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
    });
    expect(config.globalWebhook).toEqual({
      enabled: true, url: "https://hooks.example.com/wa", byEvents: true, secret: "whsec_c2VjcmV0",
      events: new Set(["MESSAGES_UPSERT", "GROUPS_UPDATE"]),
    });
  });

  it("drops a trailing slash from SERVER_URL", () => {
    expect(loadConfig({ ...required, SERVER_URL: "https://api.example.com/" }).serverUrl).toBe("https://api.example.com");
  });

  it("keeps the global webhook off without a URL even when enabled", () => {
    expect(loadConfig({ ...required, WEBHOOK_GLOBAL_ENABLED: "true" }).globalWebhook.enabled).toBe(false);
  });

  it.each([
    [{ AUTHENTICATION_API_KEY: undefined }, "AUTHENTICATION_API_KEY is required"],
    [{ AUTHENTICATION_API_KEY: "short" }, "AUTHENTICATION_API_KEY must be at least 8 characters"],
    [{ CONNECTOR_SECRET: "short" }, "CONNECTOR_SECRET must be at least 16 characters"],
    [{ WEBHOOK_ALLOW_PRIVATE_URLS: "yes" }, 'WEBHOOK_ALLOW_PRIVATE_URLS expected "true" or "false", got "yes"'],
    [{ WEBHOOK_RETRY_MAX_ATTEMPTS: "0" }, 'WEBHOOK_RETRY_MAX_ATTEMPTS expected an integer from 1 to 1000, got "0"'],
    [{ WEBHOOK_RETRY_MAX_ATTEMPTS: "2.5" }, 'WEBHOOK_RETRY_MAX_ATTEMPTS expected an integer from 1 to 1000, got "2.5"'],
    [{ WEBHOOK_RETRY_JITTER_FACTOR: "1.5" }, 'WEBHOOK_RETRY_JITTER_FACTOR expected a number from 0 to 1, got "1.5"'],
    [{ WEBHOOK_RETRY_NON_RETRYABLE_STATUS_CODES: "400,abc" }, 'WEBHOOK_RETRY_NON_RETRYABLE_STATUS_CODES expected comma-separated HTTP status codes, got "400,abc"'],
    [{ WEBHOOK_GLOBAL_URL: "ftp://x" }, 'WEBHOOK_GLOBAL_URL expected an absolute http(s) URL, got "ftp://x"'],
    [{ WEBHOOK_MAX_CONCURRENCY: "7" }, 'WEBHOOK_MAX_CONCURRENCY expected an integer from 1 to 6, got "7"'],
    [{ WEBHOOK_RETRY_MAX_DELAY_SECONDS: "86401" }, 'WEBHOOK_RETRY_MAX_DELAY_SECONDS expected an integer from 1 to 86400, got "86401"'],
    [{ STORAGE_BUDGET_MB: "0" }, 'STORAGE_BUDGET_MB expected an integer from 1 to 10240, got "0"'],
    [{ STORAGE_BUDGET_MB: "20000" }, 'STORAGE_BUDGET_MB expected an integer from 1 to 10240, got "20000"'],
    [{ RETENTION_MAX_DAYS: "0.5" }, 'RETENTION_MAX_DAYS expected an integer from 1 to 3650, got "0.5"'],
    [{ WEBHOOK_EVENTS_CALL: "maybe" }, 'WEBHOOK_EVENTS_CALL expected "true" or "false"'],
  ])("one error for %o, naming the variable and what it expects", (override, message) => {
    expect(issuesOf({ ...required, ...override })).toEqual([expect.stringContaining(message)]);
  });

  it("reports every bad variable at once, one error each", () => {
    const issues = issuesOf({ ...required, WEBHOOK_MAX_CONCURRENCY: "7", WEBHOOK_GLOBAL_URL: "ftp://x" });
    expect(issues.map((issue) => issue.split(" ")[0]).sort()).toEqual(["WEBHOOK_GLOBAL_URL", "WEBHOOK_MAX_CONCURRENCY"]);
  });

  it("takes a storage budget, a retention and retry delays of up to 24 h", () => {
    const config = loadConfig({ ...required, STORAGE_BUDGET_MB: "8", RETENTION_MAX_DAYS: "30", WEBHOOK_RETRY_MAX_DELAY_SECONDS: "86400" });
    expect(config.storageBudgetBytes).toBe(8 * 1024 * 1024);
    expect(config.retentionMaxMs).toBe(30 * 86_400_000);
    expect(config.retry.maxDelaySeconds).toBe(86_400);
  });

  it("accepts a fractional jitter but not a fractional attempt count", () => {
    expect(loadConfig({ ...required, WEBHOOK_RETRY_JITTER_FACTOR: "0.35" }).retry.jitterFactor).toBe(0.35);
    expect(issuesOf({ ...required, WEBHOOK_RETRY_MAX_ATTEMPTS: "2.5" })).toEqual([expect.stringMatching(/^WEBHOOK_RETRY_MAX_ATTEMPTS expected an integer/)]);
    expect(loadConfig({ ...required, WEBHOOK_RETRY_MAX_ATTEMPTS: "3" }).retry.maxAttempts).toBe(3);
  });
});
