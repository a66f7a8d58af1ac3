// Command and answer signatures (protocol/fleet.ts): a command is bound to its method, path,
// instance, id, epoch and body, and is accepted once; an answer is bound to the command it answers.
import { describe, expect, it } from "vitest";
import {
  connectHeaders,
  deriveConnectorKey,
  ReplayGuard,
  signAnswer,
  signCommand,
  verifyAnswer,
  verifyCommand,
  verifyConnectHeaders,
  type CommandFrame,
} from "../../protocol/fleet.ts";

const SECRET = "fleet-secret-0123456789abcdef";
const NOW = 1_800_000_000_000;
const ts = Math.floor(NOW / 1000);

async function stateCommand(key: string, overrides: Partial<CommandFrame> = {}) {
  return signCommand(key, { id: "cmd-0123456789abcdef", ts, method: "GET", path: "/v1/instances/alpha", instance: "alpha", epoch: 3, body: "", ...overrides });
}

describe("per-connector keys", () => {
  it("differ per connector and per secret", async () => {
    const a = await deriveConnectorKey(SECRET, "a");
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await deriveConnectorKey(SECRET, "b")).not.toBe(a);
    expect(await deriveConnectorKey(`${SECRET}x`, "a")).not.toBe(a);
  });

  it("an upgrade signed with one connector's key cannot claim another id", async () => {
    const key = await deriveConnectorKey(SECRET, "a");
    const headers = await connectHeaders(key, "a", NOW, "nonce-0123456789abcdef", "1.0", 10);
    const get = (h: Record<string, string>) => (name: string) => h[name];
    expect(await verifyConnectHeaders(SECRET, get(headers), NOW)).toEqual({ ok: true, connectorId: "a", nonce: "nonce-0123456789abcdef", version: "1.0", capacity: 10 });
    expect(await verifyConnectHeaders(SECRET, get({ ...headers, "x-l2msg-connector": "b" }), NOW)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyConnectHeaders(SECRET, get({ ...headers, "x-l2msg-nonce": "nonce-other-0123456789" }), NOW)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyConnectHeaders(SECRET, get(headers), NOW + 301_000)).toEqual({ ok: false, reason: "stale" });
    expect(await verifyConnectHeaders(SECRET, get({}), NOW)).toEqual({ ok: false, reason: "missing" });
  });
});

describe("command signatures", () => {
  it("accept a genuine command once; the same frame again is a replay", async () => {
    const key = await deriveConnectorKey(SECRET, "a");
    const guard = new ReplayGuard();
    const frame = await stateCommand(key);
    expect(await verifyCommand(key, frame, NOW, guard)).toEqual({ ok: true });
    expect(await verifyCommand(key, frame, NOW + 1_000, guard)).toEqual({ ok: false, reason: "replayed" });
  });

  it.each([
    ["a state poll replayed as DELETE", { method: "DELETE" as const }],
    ["re-aimed at another instance's path", { path: "/v1/instances/bravo" }],
    ["relabelled for another instance", { instance: "bravo" }],
    ["carrying another epoch", { epoch: 4 }],
    ["with another body", { body: '{"jid":"x","text":"evil"}' }],
    ["with another id (to dodge the replay guard)", { id: "cmd-fedcba9876543210" }],
  ])("refuse a captured signature %s", async (_name, change) => {
    const key = await deriveConnectorKey(SECRET, "a");
    const genuine = await stateCommand(key);
    expect(await verifyCommand(key, { ...genuine, ...change }, NOW, new ReplayGuard())).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuse a command whose signed instance is not the one its path names", async () => {
    const key = await deriveConnectorKey(SECRET, "a");
    const frame = await stateCommand(key, { path: "/v1/instances/bravo/logout", method: "POST", instance: "alpha" });
    expect(await verifyCommand(key, frame, NOW, new ReplayGuard())).toEqual({ ok: false, reason: "misbound" });
  });

  it("refuse a command signed for another connector, or too old", async () => {
    const keyA = await deriveConnectorKey(SECRET, "a");
    const keyB = await deriveConnectorKey(SECRET, "b");
    expect(await verifyCommand(keyB, await stateCommand(keyA), NOW, new ReplayGuard())).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyCommand(keyA, await stateCommand(keyA), NOW + 301_000, new ReplayGuard())).toEqual({ ok: false, reason: "stale" });
  });
});

describe("answer signatures", () => {
  it("bind an answer to the command it answers", async () => {
    const key = await deriveConnectorKey(SECRET, "a");
    const answer = await signAnswer(key, { id: "cmd-B-0123456789abcdef", ts, status: 200, body: '{"instance":"bravo","state":"open"}' });
    expect(await verifyAnswer(key, answer, "cmd-B-0123456789abcdef", NOW)).toEqual({ ok: true });
    // An answer about instance B offered as the answer to A's command.
    expect(await verifyAnswer(key, answer, "cmd-A-0123456789abcdef", NOW)).toEqual({ ok: false, reason: "misbound" });
    expect(await verifyAnswer(key, { ...answer, id: "cmd-A-0123456789abcdef" }, "cmd-A-0123456789abcdef", NOW)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyAnswer(key, { ...answer, status: 500 }, "cmd-B-0123456789abcdef", NOW)).toEqual({ ok: false, reason: "mismatch" });
  });
});

describe("ReplayGuard", () => {
  it("forgets ids after twice the skew window and stays bounded", () => {
    const guard = new ReplayGuard(3);
    expect(guard.remember("a", NOW)).toBe(true);
    expect(guard.remember("a", NOW + 599_000)).toBe(false);
    expect(guard.remember("a", NOW + 601_000 + 600_000)).toBe(true);
    for (const id of ["b", "c", "d", "e"]) guard.remember(id, NOW + 1_300_000);
    expect(guard.remember("e", NOW + 1_300_000)).toBe(false);
  });
});
