// POST /message/sendText against a stand-in connector: both body shapes, quoting, number → JID
// normalisation, validation errors and the not-connected 400.
import { afterEach, describe, expect, it, vi } from "vitest";
import { numberToJid } from "../../worker/schemas/message.ts";
import { call, createTestInstance, errorBody } from "./helpers/api.ts";
import { setStoredStatus, stubConnector, placeOnStub, type ConnectorCall } from "./helpers/connector-stub.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const sentMessage = (call: ConnectorCall) => {
  const body = call.body as { jid: string; text: string };
  return {
    key: { remoteJid: body.jid, fromMe: true, id: "3EB0C767D26A1D8E0A2C" },
    message: { extendedTextMessage: { text: body.text } },
    messageTimestamp: 1732460000,
    status: "PENDING",
  };
};

async function openInstance() {
  const created = await createTestInstance();
  await setStoredStatus(created.instanceName, "open");
  return created;
}

describe("POST /message/sendText/{instance}", () => {
  it.each([
    ["{number, text}", { number: "15551234567", text: "hello" }],
    ["{number, textMessage:{text}}", { number: "15551234567", textMessage: { text: "hello" } }],
  ])("sends %s and answers 201 with the sent message", async (_label, body) => {
    const { instanceName } = await openInstance();
    const stub = await stubConnector((c) => ({ body: sentMessage(c) }));
    await placeOnStub(instanceName);
    const res = await call("POST", `/message/sendText/${instanceName}`, { body });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      key: { remoteJid: "15551234567@s.whatsapp.net", fromMe: true, id: "3EB0C767D26A1D8E0A2C" },
      message: { extendedTextMessage: { text: "hello" } },
      messageTimestamp: 1732460000,
      status: "PENDING",
    });
    expect(stub.calls).toEqual([
      { method: "POST", path: `/v1/instances/${instanceName}/send-text`, body: { jid: "15551234567@s.whatsapp.net", text: "hello" }, epoch: 1, signatureValid: true },
    ]);
  });

  it.each([
    ["v2 quoted", { quoted: { key: { id: "QUOTED1" } } }],
    ["v1 options.quoted", { options: { delay: 1200, presence: "composing", quoted: { key: { remoteJid: "x@s.whatsapp.net", fromMe: false, id: "QUOTED1" }, message: {} } } }],
  ])("passes the %s message id as quotedId", async (_label, extra) => {
    const { instanceName, token } = await openInstance();
    const stub = await stubConnector((c) => ({ body: sentMessage(c) }));
    await placeOnStub(instanceName);
    const res = await call("POST", `/message/sendText/${instanceName}`, { key: token, body: { number: "15551234567", text: "re", ...extra } });
    expect(res.status).toBe(201);
    expect(stub.calls[0]?.body).toEqual({ jid: "15551234567@s.whatsapp.net", text: "re", quotedId: "QUOTED1" });
  });

  it("passes the connector's quoteDropped through: the quoted id was unknown and the text went out unquoted", async () => {
    const { instanceName } = await openInstance();
    await stubConnector((c) => ({ body: { ...sentMessage(c), quoteDropped: true } }));
    await placeOnStub(instanceName);
    const res = await call("POST", `/message/sendText/${instanceName}`, { body: { number: "15551234567", text: "re", quoted: { key: { id: "GONE" } } } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ key: { id: "3EB0C767D26A1D8E0A2C" }, quoteDropped: true });
  });

  it("answers 400 not connected without calling the connector when D1 says the instance is not open", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector((c) => ({ body: sentMessage(c) }));
    await placeOnStub(instanceName);
    const res = await call("POST", `/message/sendText/${instanceName}`, { body: { number: "15551234567", text: "hi" } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", [`The "${instanceName}" instance is not connected`]));
    expect(stub.calls).toHaveLength(0);
  });

  it("answers 400 not connected when the connector says 409", async () => {
    const { instanceName } = await openInstance();
    await stubConnector(() => ({ status: 409, body: { error: "not_connected", message: "socket closed" } }));
    await placeOnStub(instanceName);
    const res = await call("POST", `/message/sendText/${instanceName}`, { body: { number: "15551234567", text: "hi" } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", [`The "${instanceName}" instance is not connected`]));
  });

  it.each([
    ["bad number", { number: "call me", text: "hi" }, 'Invalid "number" property: is not a phone number or JID'],
    ["missing number", { text: "hi" }, 'Invalid "number" property: required'],
    ["missing text", { number: "15551234567" }, 'Invalid "text" property: required'],
    ["empty text", { number: "15551234567", text: "" }, 'Invalid "text" property: must not be empty'],
    ["empty textMessage.text", { number: "15551234567", textMessage: { text: "" } }, 'Invalid "textMessage.text" property: must not be empty'],
  ])("answers 400 for a %s", async (_label, body, fragment) => {
    const { instanceName } = await openInstance();
    const stub = await stubConnector((c) => ({ body: sentMessage(c) }));
    await placeOnStub(instanceName);
    const res = await call("POST", `/message/sendText/${instanceName}`, { body });
    expect(res.status).toBe(400);
    expect(res.json.response.message.join(" ")).toContain(fragment);
    expect(stub.calls).toHaveLength(0);
  });

  it("answers 404 for an unknown instance and 401 without a key", async () => {
    await stubConnector((c) => ({ body: sentMessage(c) }));
    expect((await call("POST", "/message/sendText/nobody-here", { body: { number: "15551234567", text: "hi" } })).status).toBe(404);
    expect((await call("POST", "/message/sendText/nobody-here", { key: null, body: { number: "15551234567", text: "hi" } })).status).toBe(401);
  });
});

describe("numberToJid", () => {
  it.each([
    ["15551234567", "15551234567@s.whatsapp.net"],
    ["+1 555 123 4567", "15551234567@s.whatsapp.net"],
    ["+1 (555) 123-4567", "15551234567@s.whatsapp.net"],
    ["  5511987654321 ", "5511987654321@s.whatsapp.net"],
    ["15551234567@s.whatsapp.net", "15551234567@s.whatsapp.net"],
    ["15551234567:12@s.whatsapp.net", "15551234567:12@s.whatsapp.net"],
    ["120363025246125486@g.us", "120363025246125486@g.us"],
    ["5511987654321-1612345678@g.us", "5511987654321-1612345678@g.us"],
    ["123456789012345@lid", "123456789012345@lid"],
    ["12345", undefined],
    ["123456789012345678901", undefined],
    ["call me", undefined],
    ["1555.123.4567", undefined],
    ["user@example.com", undefined],
    ["abc@s.whatsapp.net", undefined],
    ["@g.us", undefined],
    ["", undefined],
  ])("%j → %j", (input, expected) => {
    expect(numberToJid(input)).toBe(expected);
  });
});
