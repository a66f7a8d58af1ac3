// Pure helpers behind `npm start` and `npm run bench`: .dev.vars generation and bench statistics.
import { describe, expect, it } from "vitest";
import { buildDevVars, missingSecrets, parseDevVars } from "../../scripts/lib/dev-vars.ts";
import { lastArrival, latencies, lostIds, percentile, perSecond } from "../../scripts/lib/stats.ts";
import { throwawayConfig } from "../../scripts/lib/wrangler.ts";

const EXAMPLE = `# comment
AUTHENTICATION_API_KEY=change-me-global-api-key
CONNECTOR_SECRET=change-me-connector-secret-at-least-16-chars
WEBHOOK_GLOBAL_SECRET=
WEBHOOK_ALLOW_PRIVATE_URLS=true
`;

describe(".dev.vars generation", () => {
  it("replaces the placeholders with generated secrets and keeps every other line", () => {
    const { text, generated } = buildDevVars(EXAMPLE, (name) => `secret-for-${name}`);
    expect(generated).toEqual({ AUTHENTICATION_API_KEY: "secret-for-AUTHENTICATION_API_KEY", CONNECTOR_SECRET: "secret-for-CONNECTOR_SECRET" });
    expect(parseDevVars(text)).toEqual({
      AUTHENTICATION_API_KEY: "secret-for-AUTHENTICATION_API_KEY",
      CONNECTOR_SECRET: "secret-for-CONNECTOR_SECRET",
      WEBHOOK_GLOBAL_SECRET: "",
      WEBHOOK_ALLOW_PRIVATE_URLS: "true",
    });
    expect(text.startsWith("# comment\n")).toBe(true);
    expect(text.endsWith("true\n")).toBe(true);
  });

  it("appends a generated variable the example lacks", () => {
    const { text } = buildDevVars("WEBHOOK_ALLOW_PRIVATE_URLS=true\n", () => "x".repeat(20));
    expect(parseDevVars(text)).toEqual({ WEBHOOK_ALLOW_PRIVATE_URLS: "true", AUTHENTICATION_API_KEY: "x".repeat(20), CONNECTOR_SECRET: "x".repeat(20) });
  });

  it.each([
    ["KEY=value", { KEY: "value" }],
    ['KEY="quoted value"', { KEY: "quoted value" }],
    ["KEY='single'", { KEY: "single" }],
    ["  KEY = spaced  ", { KEY: "spaced" }],
    ["KEY=a=b", { KEY: "a=b" }],
    ["# KEY=commented", {}],
    ["not a pair", {}],
  ])("parses %j", (line, expected) => {
    expect(parseDevVars(line)).toEqual(expected);
  });

  it("reports missing secrets and leftover placeholders", () => {
    expect(missingSecrets(parseDevVars(EXAMPLE))).toEqual(["AUTHENTICATION_API_KEY", "CONNECTOR_SECRET"]);
    expect(missingSecrets({ AUTHENTICATION_API_KEY: "real-key-123" })).toEqual(["CONNECTOR_SECRET"]);
    expect(missingSecrets({ AUTHENTICATION_API_KEY: "k".repeat(10), CONNECTOR_SECRET: "s".repeat(20) })).toEqual([]);
  });
});

describe("bench statistics", () => {
  it.each([
    [50, 5],
    [95, 10],
    [99, 10],
    [100, 10],
    [10, 1],
  ])("nearest-rank p%i of 1..10 is %i", (p, expected) => {
    expect(percentile([10, 3, 1, 7, 2, 9, 4, 6, 8, 5], p)).toBe(expected);
  });

  it("percentile of nothing is NaN", () => {
    expect(percentile([], 50)).toBeNaN();
  });

  it("measures latency, losses, rate and the last arrival from send/receive maps", () => {
    const sent = new Map([["a", 100], ["b", 110], ["c", 120]]);
    const received = new Map([["a", 150], ["c", 400]]);
    expect(latencies(sent, received)).toEqual([50, 280]);
    expect(lostIds(sent.keys(), received)).toEqual(["b"]);
    expect(lastArrival(sent.keys(), received)).toBe(400);
    expect(perSecond(2_000, 1_000, 3_000)).toBe(1_000);
    expect(perSecond(5, 10, 10)).toBe(0);
  });
});

describe("throwaway wrangler config", () => {
  it("points main at the snapshot, makes migrations absolute and overrides only the delivery consumer's batch size", () => {
    const toml = throwawayConfig("/tmp/x/build/index.js", { queueBatchSize: 100 });
    expect(toml).toMatch(/^main = "\/tmp\/x\/build\/index\.js"$/m);
    expect(toml).toMatch(/^migrations_dir = "\/.+\/migrations"$/m);
    const sizesOf = (text: string) => [...text.matchAll(/^max_batch_size\s*=\s*(\d+)$/gm)].map((m) => Number(m[1]));
    const original = sizesOf(throwawayConfig("/tmp/x/build/index.js"));
    const sizes = sizesOf(toml);
    expect(sizes[0]).toBe(100);
    expect(sizes.slice(1)).toEqual(original.slice(1));
    expect(sizes.length).toBe(original.length);
  });

  it("keeps the console's assets (absolute directory) unless asked to leave them out", () => {
    expect(throwawayConfig("/tmp/x/build/index.js")).toMatch(/^\[assets\]\ndirectory = "\/.+\/console"$/m);
    const without = throwawayConfig("/tmp/x/build/index.js", { withoutConsole: true });
    expect(without).not.toMatch(/\[assets\]|^directory/m);
    expect(without).toMatch(/^\[\[d1_databases\]\]$/m);
  });
});
