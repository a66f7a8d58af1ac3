// Connector configuration: defaults, and a clear error naming every bad variable.
import { describe, expect, it } from "vitest";
import { ConfigError, connectorKeyFor, defaultConnectorId, parseConfig } from "../../connector/config.ts";
import { deriveConnectorKey } from "../../protocol/fleet.ts";
import { CONNECTOR_SECRET_MIN_LENGTH } from "../../protocol/instance.ts";

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    const config = parseConfig({ WORKER_URL: "http://127.0.0.1:8787/", CONNECTOR_SECRET: "s".repeat(CONNECTOR_SECRET_MIN_LENGTH) });
    expect(config).toMatchObject({
      workerUrl: "http://127.0.0.1:8787",
      dataDir: "./.data/connector",
      waWebSocketUrl: undefined,
      logLevel: "info",
      baileysLogLevel: "error",
      outboxMaxEvents: 1_000_000,
      mediaMaxBytes: 825_000,
    });
    expect(config.connectorId).toMatch(/^[a-z0-9._-]{1,64}$/);
    // The connector opens no port: nothing in its config says where it would listen.
    expect(Object.keys(config).filter((key) => /port|host|listen/i.test(key))).toEqual([]);
  });

  it("rejects bad values with one line per variable", () => {
    const attempt = () =>
      parseConfig({ WORKER_URL: "ftp://x", CONNECTOR_CAPACITY: "0", WA_WEBSOCKET_URL: "http://x", LOG_LEVEL: "loud", CONNECTOR_ID: "no spaces", MEDIA_MAX_BYTES: "2097152" });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of ["WORKER_URL", "CONNECTOR_SECRET", "CONNECTOR_CAPACITY", "WA_WEBSOCKET_URL", "LOG_LEVEL", "CONNECTOR_ID", "MEDIA_MAX_BYTES"]) expect(message).toContain(name);
    expect(message).not.toContain("undefined");
  });

  it("refuses a CONNECTOR_SECRET shorter than the worker accepts", () => {
    const short = "s".repeat(CONNECTOR_SECRET_MIN_LENGTH - 1);
    expect(() => parseConfig({ WORKER_URL: "http://127.0.0.1:8787/", CONNECTOR_SECRET: short })).toThrow(/CONNECTOR_SECRET: must be at least 16 characters/);
  });

  it("parses WA_VERSION into Baileys' version triple and refuses anything else", () => {
    const base = { WORKER_URL: "http://127.0.0.1:8787", CONNECTOR_SECRET: "s".repeat(32) };
    expect(parseConfig(base).waVersion).toBeUndefined();
    expect(parseConfig({ ...base, WA_VERSION: "2.3000.1043857760" }).waVersion).toEqual([2, 3000, 1043857760]);
    for (const bad of ["2.3000", "v2.3000.1", "2.3000.1.4", "latest"]) expect(() => parseConfig({ ...base, WA_VERSION: bad })).toThrow(/WA_VERSION/);
  });

  it("signs with the key derived for its CONNECTOR_ID, or runs on that key alone (CONNECTOR_KEY)", async () => {
    const secret = "s".repeat(32);
    const derived = parseConfig({ WORKER_URL: "http://127.0.0.1:8787", CONNECTOR_SECRET: secret, CONNECTOR_ID: "b" });
    // The same key the worker derives (protocol/fleet.ts), so the worker can check it.
    expect(derived.connectorKey).toBe(await deriveConnectorKey(secret, "b"));
    expect(connectorKeyFor(secret, "b")).not.toBe(connectorKeyFor(secret, "c"));
    const keyOnly = parseConfig({ WORKER_URL: "http://127.0.0.1:8787", CONNECTOR_KEY: derived.connectorKey, CONNECTOR_ID: "b" });
    expect(keyOnly.connectorKey).toBe(derived.connectorKey);
    expect(() => parseConfig({ WORKER_URL: "http://127.0.0.1:8787" })).toThrow(/CONNECTOR_SECRET: is required \(or this connector's CONNECTOR_KEY\)/);
    expect(() => parseConfig({ WORKER_URL: "http://127.0.0.1:8787", CONNECTOR_KEY: "abc" })).toThrow(/CONNECTOR_KEY: must be 64 lowercase hex digits/);
  });

  it("derives a valid connector id from the host name", () => {
    expect(defaultConnectorId("Worker Box #1")).toBe("worker-box--1");
    expect(defaultConnectorId("")).toBe("c1");
  });
});
