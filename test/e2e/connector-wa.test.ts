// The real connector with real Baileys rc14 sockets against the fake WhatsApp server: the WA Web
// version it logs in with, and a version rejection (405) that stays down with one clear log line.
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../connector/helpers.ts";
import { startConnectorOnWa, type ConnectorOnWa } from "./helpers/connector-wa.ts";

let run: ConnectorOnWa | undefined;
afterEach(async () => {
  await run?.stop();
  run = undefined;
});

const appVersion = (payload: { userAgent?: { appVersion?: { primary?: number | null; secondary?: number | null; tertiary?: number | null } | null } | null }) => {
  const v = payload.userAgent?.appVersion;
  return [v?.primary, v?.secondary, v?.tertiary];
};

describe("WA Web version", () => {
  it("logs in with WA_VERSION", async () => {
    run = await startConnectorOnWa({ env: { WA_VERSION: "2.3000.1099999999" } });
    await run.pair(run.wa.phone("15551234567"));
    expect(run.wa.server.clientPayloads.length).toBeGreaterThanOrEqual(2);
    for (const payload of run.wa.server.clientPayloads) expect(appVersion(payload)).toEqual([2, 3000, 1099999999]);
  });

  it("stays down after WhatsApp answers 405, with one log line saying to set WA_VERSION", async () => {
    run = await startConnectorOnWa({ env: { WA_VERSION: "2.2000.1" } });
    run.wa.server.acceptVersion = ([major, minor]) => major > 2 || minor >= 3000;
    void run.connector.registry.getOrCreate("sales").connect(undefined);
    await waitFor(() => run!.connector.registry.status("sales").statusReason === 405, 10_000, "close 405");
    await new Promise((r) => setTimeout(r, 1_000));
    expect(run.wa.server.clientPayloads).toHaveLength(1);
    expect(run.connector.registry.status("sales")).toMatchObject({ state: "close", statusReason: 405 });
    const lines = run.lines.filter((l) => String(l.msg).includes("WA_VERSION"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, waVersion: "2.2000.1" });
    await waitFor(() => run!.ofType("connection.update").some((e) => (e.payload as any).lastDisconnect?.error?.statusCode === 405), 5_000, "the close event");
  });
});
