// Fake WhatsApp server for tests: real, unmodified Baileys 7.0.0-rc14 sockets connect to it via
// `waWebSocketUrl`. Test-only — production code must never import this (it re-points Baileys'
// WA_CERT_DETAILS at a fake root in the current process while running).
//
//   const wa = await startFakeWhatsApp();                 // ws://127.0.0.1:<port>/ws/chat
//   const sock = makeWASocket({ waWebSocketUrl: wa.url, auth: createMemoryAuthState(), ... });
//   const phone = wa.phone("15551234567");                // the account (its own phone)
//   await phone.scanQr(qrFromConnectionUpdate);           // pair-success → client replies → 515
//   // recreate the socket with the same auth → success → IQs answered → `open`
//   await phone.waitForOnline();
//   await phone.sendText({ from: "15557654321", text: "hi" });             // inbound 1:1, PN
//   await phone.sendText({ from: "15557654321", text: "hi", addressing: "lid" });
//   await phone.sendText({ from: "15557654321", text: "hi", group, encrypt? });
//   phone.sendReaction / sendEdit / sendRevoke / sendImage (media stub) / sendMessage({ message })
//   const media = await startFakeMediaHost(); media.trust();           // real encrypted media over HTTPS
//   phone.sendMessage({ from, message: { imageMessage: await media.image(bytes, { bytesPerSecond }) } })
//   const sent = await phone.waitForSent((m) => m.to === jid);           // decrypted proto.Message
//   phone.receipt({ id: sent.id, type: "read" });                        // delivery | read | played
//   phone.presence({ from, type }); phone.chatstate({ from, state });
//   const group = phone.createGroup({ subject, participants: [numbers] });
//   phone.groupUpdate({ group, action: "add", participants: [numbers] }); phone.groupSubject(...)
//   phone.call({ from }); phone.historySync({ conversations: [...] });
//   phone.streamError(515 | 401 | 440);                                  // 401 also unlinks the device
//   a second login of a device kicks the first with 440 (conflict replaced); wa.server.doubleLogins records each
//   wa.server.clientPayloads (login payloads); wa.server.acceptVersion = (v) => …  // else <failure reason=405>
//   await wa.close();                                                     // restores WA_CERT_DETAILS
//
// Stanzas pushed while the account has no online connection are queued and delivered (messages
// with offline="1") on its next login, before `<ib><offline count=N/>`.
// A connector in a child process must trust the fake root too: start it with
// FAKE_WA_ROOT_PUBLIC_KEY=<wa.rootPublicKeyHex> and `--import ./test/fake-wa/trust-root-preload.ts`.
// `connectTestClient(wa.url)` (client.ts) is a ready-made Baileys socket with recorded events.
import { FakePhone } from "./phone.ts";
import { FakeWhatsAppServer } from "./server.ts";

export interface FakeWhatsApp {
  url: string;
  /** Hex of the fake Noise root public key (for trusting it in another process). */
  rootPublicKeyHex: string;
  server: FakeWhatsAppServer;
  phone(pn: string, options?: { lid?: string; name?: string }): FakePhone;
  close(): Promise<void>;
}

export async function startFakeWhatsApp(): Promise<FakeWhatsApp> {
  const server = new FakeWhatsAppServer();
  await server.start();
  const phones = new Map<string, FakePhone>();
  return {
    url: server.url,
    rootPublicKeyHex: Buffer.from(server.certs.root.public).toString("hex"),
    server,
    phone(pn, options) {
      let phone = phones.get(pn);
      if (!phone) phones.set(pn, (phone = new FakePhone(server, server.account(pn, options))));
      return phone;
    },
    close: () => server.close(),
  };
}

export { FakePhone, type InboundOptions, type InboundResult } from "./phone.ts";
export { FakeWhatsAppServer, deriveLid, fakeCertificates, type FakeAccount } from "./server.ts";
export { connectTestClient, type RecordedEvent, type TestClient } from "./client.ts";
export type { SentMessage } from "./outbound.ts";
export { createMemoryAuthState, createMemoryKeyStore, silentLogger } from "./memory-auth.ts";
export { trustFakeRoot, createFakeCertificates } from "./noise.ts";
export { parseQr } from "./pairing.ts";
export { FakeUser, pnJid, lidJid } from "./users.ts";
export * from "./content.ts";
export { FakeMediaHost, startFakeMediaHost, type MediaRequest } from "./media-host.ts";
