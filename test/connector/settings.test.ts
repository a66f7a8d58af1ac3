// Evolution's instance settings through the settings command, applied live with socket doubles:
// groupsIgnore / readStatus at the source, rejectCall + msgCall, readMessages, alwaysOnline,
// syncFullHistory for the next socket, and kept across a connector restart.
import { afterEach, describe, expect, it } from "vitest";
import { COMMAND_PATHS, DEFAULT_INSTANCE_SETTINGS, settingsResponseSchema, type InstanceSettings } from "../../protocol/commands.ts";
import { socketCommand } from "./fleet-stub.ts";
import { inboundText, waitFor } from "./helpers.ts";
import { connected, startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function setSettings(harness: Harness, patch: Partial<InstanceSettings>): Promise<InstanceSettings> {
  const response = await socketCommand(harness.fleet, harness.connector, "POST", COMMAND_PATHS.settings("sales"), { ...DEFAULT_INSTANCE_SETTINGS, ...patch });
  expect(response.status).toBe(200);
  return settingsResponseSchema.parse(await response.json()).settings;
}

const upsertIds = (harness: Harness) => harness.ofType("messages.upsert").flatMap((e) => (e.payload as any).messages.map((m: any) => m.key.id));
const GROUP = "120363000000000009@g.us";

describe("instance settings", () => {
  it("groupsIgnore drops group messages and readStatus lets status posts through, live", async () => {
    h = await startHarness();
    const sock = await connected(h);
    expect(sock.config.shouldIgnoreJid!(GROUP)).toBe(false);
    await setSettings(h, { groupsIgnore: true, readStatus: true });
    expect(sock.config.shouldIgnoreJid!(GROUP)).toBe(true);
    expect(sock.config.shouldIgnoreJid!("status@broadcast")).toBe(false);
    sock.emit("messages.upsert", { messages: [inboundText("G1", "group chat", GROUP), inboundText("S1", "status", "status@broadcast"), inboundText("D1", "direct")], type: "notify" });
    await h.expectEvents("messages.upsert", 1);
    expect(upsertIds(h)).toEqual(["S1", "D1"]);
  });

  it("rejectCall rejects an offered call and sends msgCall to the caller; the call event still goes out", async () => {
    h = await startHarness();
    const sock = await connected(h);
    await setSettings(h, { rejectCall: true, msgCall: "I cannot take calls here" });
    const from = "15552223333@s.whatsapp.net";
    sock.emit("call", [{ chatId: from, from, id: "CALL1", date: new Date(), status: "offer", offline: false, isVideo: false }]);
    await h.expectEvents("call", 1);
    await waitFor(() => sock.sent.length === 1, 2_000, "the call message");
    expect(sock.rejectedCalls).toEqual([{ id: "CALL1", from }]);
    expect(sock.sent[0]!.key.remoteJid).toBe(from);
    expect(sock.sent[0]!.message?.extendedTextMessage?.text).toBe("I cannot take calls here");
  });

  it("leaves calls alone by default", async () => {
    h = await startHarness();
    const sock = await connected(h);
    sock.emit("call", [{ chatId: "x@s.whatsapp.net", from: "x@s.whatsapp.net", id: "CALL2", date: new Date(), status: "offer", offline: false }]);
    await h.expectEvents("call", 1);
    expect(sock.rejectedCalls).toEqual([]);
  });

  it("readMessages marks live inbound messages read", async () => {
    h = await startHarness();
    const sock = await connected(h);
    await setSettings(h, { readMessages: true });
    sock.emit("messages.upsert", { messages: [inboundText("R1", "read me")], type: "notify" });
    await h.expectEvents("messages.upsert", 1);
    await waitFor(() => sock.readKeys.length === 1, 2_000, "a read receipt");
    expect(sock.readKeys[0]!.id).toBe("R1");
  });

  it("alwaysOnline sends available presence now; settings survive a restart and shape the next socket", async () => {
    h = await startHarness();
    const sock = await connected(h);
    await setSettings(h, { alwaysOnline: true, syncFullHistory: true, groupsIgnore: true });
    expect(sock.presences).toEqual(["available"]);
    const dir = h.dir.path;
    await h.stop({ keepDir: true });
    h = await startHarness({ dir });
    const next = await connected(h);
    expect(next.config.markOnlineOnConnect).toBe(true);
    expect(next.config.syncFullHistory).toBe(true);
    expect(next.config.shouldIgnoreJid!(GROUP)).toBe(true);
  });

  it("refuses a malformed settings body", async () => {
    h = await startHarness();
    const response = await socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.settings("sales"), { rejectCall: "yes" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request", message: expect.stringContaining("rejectCall") });
  });
});
