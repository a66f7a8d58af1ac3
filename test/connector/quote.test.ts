// Quoting through send-text: a known message is quoted as it is; an unknown id is never made up
// as a stand-in quote — the text goes out without a quote and the answer says so.
import { afterEach, describe, expect, it } from "vitest";
import { COMMAND_PATHS, sendTextResponseSchema } from "../../protocol/commands.ts";
import { socketCommand } from "./fleet-stub.ts";
import { inboundText } from "./helpers.ts";
import { connected, startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function send(harness: Harness, quotedId: string) {
  const response = await socketCommand(harness.fleet, harness.connector, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net", text: "re", quotedId });
  expect(response.status).toBe(200);
  return sendTextResponseSchema.parse(await response.json());
}

describe("send-text quoting", () => {
  it("quotes a message the instance has seen", async () => {
    h = await startHarness();
    const sock = await connected(h);
    sock.emit("messages.upsert", { messages: [inboundText("KNOWN1", "the original")], type: "notify" });
    await h.expectEvents("messages.upsert", 1);
    const sent = await send(h, "KNOWN1");
    const context = sock.sent[0]!.message!.extendedTextMessage!.contextInfo!;
    expect(context.stanzaId).toBe("KNOWN1");
    expect(context.quotedMessage?.conversation).toBe("the original");
    expect(sent.quoteDropped).toBeUndefined();
  });

  it("sends an unknown quoted id without a quote and answers quoteDropped: true", async () => {
    h = await startHarness();
    const sock = await connected(h);
    const sent = await send(h, "NEVER-SEEN");
    expect(sock.sent[0]!.message!.extendedTextMessage?.contextInfo?.stanzaId).toBeUndefined();
    expect(sock.sent[0]!.message!.extendedTextMessage?.contextInfo?.quotedMessage).toBeUndefined();
    expect(sent.quoteDropped).toBe(true);
    expect(h.lines.some((l) => l.msg === "quoted message unknown, sent without the quote" && l.quotedId === "NEVER-SEEN")).toBe(true);
  });
});
