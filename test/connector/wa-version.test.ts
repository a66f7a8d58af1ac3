// WA_VERSION reaches Baileys' socket config, and a 405 (WhatsApp refusing the WA Web version)
// leaves the instance down with one log line saying what to set, never a reconnect loop.
import { afterEach, describe, expect, it } from "vitest";
import { closeWith, openSocket } from "./helpers.ts";
import { startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("WA Web version", () => {
  it("passes WA_VERSION to every socket as Baileys' version", async () => {
    h = await startHarness({ env: { WA_VERSION: "2.3000.1099999999" } });
    void h.connector.registry.getOrCreate("sales").connect(undefined);
    expect(h.sockets.sockets[0]!.config.version).toEqual([2, 3000, 1099999999]);
  });

  it("stays down on 405 with one error line naming WA_VERSION", async () => {
    h = await startHarness({ env: { WA_VERSION: "2.3000.1000000000" } });
    const connecting = h.connector.registry.getOrCreate("sales").connect(undefined);
    const sock = h.sockets.sockets[0]!;
    openSocket(sock);
    await connecting;
    closeWith(sock, 405, "Connection Failure");
    await h.expectEvents("connection.update", 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sockets.sockets).toHaveLength(1);
    expect(h.connector.registry.status("sales")).toMatchObject({ state: "close", statusReason: 405 });
    const lines = h.lines.filter((l) => l.statusCode === 405);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, waVersion: "2.3000.1000000000" });
    expect(String(lines[0]!.msg)).toContain("set WA_VERSION");
  });
});
