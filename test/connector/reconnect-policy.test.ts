// The reconnect decision for every Baileys disconnect code (docs/connector.md#reconnect-policy) and the backoff curve.
import { describe, expect, it } from "vitest";
import { backoffDelay, decideReconnect, disconnectInfo } from "../../connector/reconnect-policy.ts";
import { boom } from "./helpers.ts";

describe("decideReconnect", () => {
  it.each([
    [515, "Stream Errored (restart required)", "reconnect-now"],
    [428, "Connection Closed", "reconnect-backoff"],
    [408, "Connection was lost", "reconnect-backoff"],
    [408, "QR refs attempts ended", "qr-exhausted"],
    [500, "Stream Errored (unknown)", "reconnect-backoff"],
    [503, "Service Unavailable", "reconnect-backoff"],
    [401, "Connection Failure", "logged-out"],
    [401, "Intentional Logout", "logged-out"],
    [440, "Stream Errored (conflict)", "stay-down"],
    [403, "Forbidden", "stay-down"],
    [411, "Multidevice mismatch", "stay-down"],
    [419, "Unauthorized", "stay-down"],
    [405, "Connection Failure", "version-rejected"],
    [undefined, "getaddrinfo ENOTFOUND web.whatsapp.com", "reconnect-backoff"],
    [undefined, undefined, "reconnect-backoff"],
    [599, "something new", "reconnect-backoff"],
  ] as const)("%s %s → %s", (code, message, action) => {
    expect(decideReconnect(code, message)).toEqual({ action });
  });
});

describe("backoffDelay", () => {
  const options = { baseMs: 1_000, maxMs: 60_000 };
  it.each([
    [0, 0, 500],
    [0, 1, 1_000],
    [1, 1, 2_000],
    [3, 0.5, 6_000],
    [6, 1, 60_000],
    [40, 1, 60_000],
    [40, 0, 30_000],
  ])("attempt %i with random %f → %i ms", (attempt, random, expected) => {
    expect(backoffDelay(attempt, options, random)).toBe(expected);
  });
});

describe("disconnectInfo", () => {
  it("reads Boom, plain errors and nothing", () => {
    expect(disconnectInfo(boom("Stream Errored (conflict)", 440))).toEqual({ statusCode: 440, message: "Stream Errored (conflict)" });
    expect(disconnectInfo(new Error("socket hang up"))).toEqual({ statusCode: undefined, message: "socket hang up" });
    expect(disconnectInfo(undefined)).toEqual({ statusCode: undefined, message: undefined });
  });
});
