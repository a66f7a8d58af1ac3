// The real connector with real Baileys rc14 sockets against the fake WhatsApp server: the WA Web
// version it logs in with, a version rejection (405) that stays down with one clear log line,
// what the instance settings drop or answer at the source (status, newsletters, groups, calls), and
// a peer's retry receipt answered after a connector restart (sent messages are kept on disk).
import { afterEach, describe, expect, it } from "vitest";
import { getBinaryNodeChild } from "@whiskeysockets/baileys";
import { COMMAND_PATHS, DEFAULT_INSTANCE_SETTINGS, type InstanceSettings } from "../../protocol/commands.ts";
import { socketCommand } from "../connector/fleet-stub.ts";
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

describe("instance settings at the source", () => {
  const CAROL = "15552223333";
  const GROUP = "120363000000000042@g.us";
  const upsertTexts = () =>
    run!.ofType("messages.upsert").flatMap((e) => (e.payload as any).messages.map((m: any) => m.message?.conversation ?? m.message?.extendedTextMessage?.text));
  async function settings(patch: Partial<InstanceSettings>): Promise<void> {
    const response = await socketCommand(run!.fleet, run!.connector, "POST", COMMAND_PATHS.settings("sales"), { ...DEFAULT_INSTANCE_SETTINGS, ...patch });
    expect(response.status).toBe(200);
  }
  /** Sends a direct text and waits for it: everything the phone pushed before it has been handled. */
  async function barrier(phone: ReturnType<NonNullable<typeof run>["wa"]["phone"]>, text: string): Promise<void> {
    await phone.sendText({ from: CAROL, text });
    await waitFor(() => upsertTexts().includes(text), 10_000, text);
  }

  it("drops status posts and newsletters by default, status with readStatus, groups with groupsIgnore; rejects calls with rejectCall", async () => {
    run = await startConnectorOnWa();
    const phone = run.wa.phone("15551234567");
    await run.pair(phone);

    await phone.sendText({ from: CAROL, text: "my status post", group: "status@broadcast" });
    await phone.sendText({ from: CAROL, text: "channel news", group: "120363000000000001@newsletter" });
    await phone.sendText({ from: CAROL, text: "group hello", group: GROUP });
    await barrier(phone, "marker 1");
    expect(upsertTexts()).toEqual(["group hello", "marker 1"]);

    await settings({ readStatus: true, groupsIgnore: true, rejectCall: true, msgCall: "No calls, please write" });
    await phone.sendText({ from: CAROL, text: "status two", group: "status@broadcast" });
    await phone.sendText({ from: CAROL, text: "group ignored", group: GROUP });
    await barrier(phone, "marker 2");
    expect(upsertTexts()).toEqual(["group hello", "marker 1", "status two", "marker 2"]);

    const callId = phone.call({ from: CAROL });
    const reject = await phone.waitForStanza((n) => n.tag === "call" && getBinaryNodeChild(n, "reject")?.attrs["call-id"] === callId, 10_000);
    expect(reject).toBeDefined();
    const textOf = (m: { message?: { extendedTextMessage?: { text?: string | null } | null; conversation?: string | null } }) =>
      m.message?.extendedTextMessage?.text ?? m.message?.conversation;
    const answer = await phone.waitForSent((m) => textOf(m) === "No calls, please write", 10_000).catch(() => undefined);
    expect(answer, JSON.stringify({ sent: phone.sent.map((m) => ({ to: m.to, text: textOf(m) })), logs: run.lines.filter((l) => (l.level as number) >= 40).map((l) => l.msg) })).toBeDefined();
    expect(answer!.to).toContain(phone.contact(CAROL).pn);
  });
});

describe("retry receipts after a restart", () => {
  it("re-sends a message the peer asks for again after the connector restarted", async () => {
    run = await startConnectorOnWa();
    const phone = run.wa.phone("15551234567");
    await run.pair(phone);
    const response = await socketCommand(run.fleet, run.connector, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net", text: "did you get this?" });
    const { key } = (await response.json()) as { key: { id: string } };
    await phone.waitForSent((m) => m.id === key.id, 10_000);
    await waitFor(() => run!.connector.outbox.pending().events === 0, 5_000, "outbox drained");
    const { wa, dir } = run;
    await run.stop({ keepWa: true, keepDir: true });
    run = await startConnectorOnWa({ wa, dir: dir.path, owned: [{ instance: "sales", epoch: 1 }] });
    await waitFor(() => run!.connector.registry.status("sales").state === "open", 20_000, "restored and open");
    await phone.waitForOnline(20_000);

    const carol = phone.contact("15552223333");
    phone.sendNode({
      tag: "receipt",
      attrs: { from: carol.pnJid, id: key.id, type: "retry", t: String(Math.floor(Date.now() / 1000)) },
      content: [
        { tag: "retry", attrs: { count: "1", id: key.id, t: String(Math.floor(Date.now() / 1000)), v: "1" } },
        { tag: "registration", attrs: {}, content: Buffer.from([0, 0, 0, 1]) },
      ],
    });
    await run.wa.server.waitFor(() => (phone.sent.filter((m) => m.id === key.id).length >= 2 ? true : undefined), "the re-sent message", 15_000);
    const resent = phone.sent.filter((m) => m.id === key.id).at(-1)!;
    expect(resent.message?.extendedTextMessage?.text ?? resent.message?.conversation).toBe("did you get this?");
  });
});
