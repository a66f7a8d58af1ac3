// Reconnect edges through the real connector with socket doubles: the backoff starts over only
// after a session stayed open a while, and instances restored at start log in one after another.
import { initAuthCreds, proto } from "@whiskeysockets/baileys";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteAuthStore } from "../../connector/auth-store.ts";
import { closeWith, openSocket, ME_JID, tempDir, waitFor } from "./helpers.ts";
import { startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Retry delays the session logged, in order. */
function retryDelays(harness: Harness): unknown[] {
  return harness.lines.filter((l) => l.msg === "connection closed" && l.retryInMs !== undefined).map((l) => l.retryInMs);
}

/** Opens the newest socket, optionally waits, then closes it with 428 and waits for the next socket. */
async function openThenDrop(harness: Harness, openForMs: number): Promise<void> {
  const sockets = harness.sockets.sockets;
  const sock = sockets.at(-1)!;
  openSocket(sock);
  await waitFor(() => harness.connector.registry.status("sales").state === "open", 2_000, "open");
  if (openForMs > 0) await new Promise((r) => setTimeout(r, openForMs));
  const count = sockets.length;
  closeWith(sock, 428, "Connection Closed");
  await waitFor(() => sockets.length === count + 1, 2_000, "the next socket");
}

describe("reconnect backoff", () => {
  it("keeps growing when WhatsApp closes the session right after each open", async () => {
    h = await startHarness({ deps: { random: () => 1 } });
    void h.connector.registry.getOrCreate("sales").connect(undefined);
    for (let i = 0; i < 4; i++) await openThenDrop(h, 0);
    expect(retryDelays(h)).toEqual([10, 20, 40, 50]);
  });

  it("starts over after the session stayed open longer than stableOpenMs", async () => {
    h = await startHarness({ deps: { random: () => 1 }, tuning: { stableOpenMs: 100 } });
    void h.connector.registry.getOrCreate("sales").connect(undefined);
    await openThenDrop(h, 0);
    await openThenDrop(h, 0);
    await openThenDrop(h, 150);
    expect(retryDelays(h)).toEqual([10, 20, 10]);
  });
});

describe("restore at start", () => {
  it("starts the assigned instances one stagger apart, and not after a stop", async () => {
    const dir = tempDir();
    const store = new SqliteAuthStore(`${dir.path}/auth.sqlite`);
    for (const name of ["a", "b", "c", "d"]) {
      const creds = { ...initAuthCreds(), me: { id: ME_JID, name }, account: proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) }) };
      store.saveCreds(name, creds);
    }
    store.close();
    const owned = ["a", "b", "c", "d"].map((instance) => ({ instance, epoch: 1 }));
    h = await startHarness({ dir: dir.path, tuning: { restoreStaggerMs: 100 }, owned });
    const sockets = h.sockets.sockets;
    expect(sockets).toHaveLength(1);
    await waitFor(() => sockets.length === 3, 2_000, "three sockets");
    const gaps = sockets.slice(1).map((s, i) => s.createdAt - sockets[i]!.createdAt);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(80);
    await h.stop();
    h = undefined;
    await new Promise((r) => setTimeout(r, 200));
    expect(sockets).toHaveLength(3);
    dir.cleanup();
  });
});
