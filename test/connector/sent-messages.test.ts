// Sent messages on disk: Baileys' getMessage still finds a message sent before a connector
// restart (what a recipient's retry receipt needs), and the store stays bounded by age and count.
import { join } from "node:path";
import { generateWAMessageFromContent, proto } from "@whiskeysockets/baileys";
import { afterEach, describe, expect, it } from "vitest";
import { COMMAND_PATHS, sendTextResponseSchema } from "../../protocol/commands.ts";
import { SentMessageStore } from "../../connector/sent-messages.ts";
import { socketCommand } from "./fleet-stub.ts";
import { ME_JID, tempDir, waitFor } from "./helpers.ts";
import { connected, startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const sentText = (id: string) => generateWAMessageFromContent("15552223333@s.whatsapp.net", { extendedTextMessage: { text: `text ${id}` } }, { userJid: ME_JID, messageId: id });

describe("sent messages across a restart", () => {
  it("getMessage returns a message sent before the connector restarted", async () => {
    h = await startHarness();
    const first = await connected(h);
    Object.assign(first.config.auth!.creds, { me: { id: ME_JID, name: "Sales" }, account: proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) }) });
    first.emit("creds.update", {});
    const response = await socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net", text: "keep me" });
    const sent = sendTextResponseSchema.parse(await response.json());
    await h.drained();
    const dir = h.dir.path;
    await h.stop({ keepDir: true });

    // The worker's assignment list brings the instance back.
    h = await startHarness({ dir, owned: [{ instance: "sales", epoch: 1 }] });
    await waitFor(() => h!.sockets.sockets.length === 1, 2_000, "the restored socket");
    const sock = h.sockets.sockets[0]!;
    const content = await sock.config.getMessage!({ remoteJid: sent.key.remoteJid, fromMe: true, id: sent.key.id });
    expect(content?.extendedTextMessage?.text).toBe("keep me");
    expect(await sock.config.getMessage!({ remoteJid: sent.key.remoteJid, fromMe: true, id: "UNKNOWN" })).toBeUndefined();
  });
});

describe("SentMessageStore", () => {
  function store(now: { value: number }, maxPerInstance = 100) {
    const dir = tempDir();
    const s = new SentMessageStore(join(dir.path, "messages.sqlite"), { maxAgeMs: 1_000, maxPerInstance }, () => now.value);
    cleanups.push(() => s.close(), dir.cleanup);
    return s;
  }

  it("forgets messages older than the age bound", () => {
    const now = { value: 10_000 };
    const s = store(now);
    s.save("sales", sentText("OLD"));
    now.value += 600;
    s.save("sales", sentText("NEW"));
    now.value += 600;
    expect(s.find("sales", "OLD")).toBeUndefined();
    expect(s.find("sales", "NEW")?.message?.extendedTextMessage?.text).toBe("text NEW");
    s.prune("sales");
    expect(s.count("sales")).toBe(1);
  });

  it("keeps at most maxPerInstance per instance, newest first, and instances apart", () => {
    const now = { value: 10_000 };
    const s = store(now, 150);
    for (let i = 0; i < 400; i++) s.save("sales", sentText(`S${i}`));
    s.save("support", sentText("OTHER"));
    expect(s.count("sales")).toBeLessThanOrEqual(150 + 200);
    s.prune("sales");
    expect(s.count("sales")).toBe(150);
    expect(s.find("sales", "S399")).toBeDefined();
    expect(s.find("sales", "S0")).toBeUndefined();
    expect(s.find("support", "OTHER")).toBeDefined();
    expect(s.find("support", "S399")).toBeUndefined();
    s.wipe("sales");
    expect(s.count("sales")).toBe(0);
    expect(s.count("support")).toBe(1);
  });
});
