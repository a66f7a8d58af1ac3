// Steps the end-to-end suites share: create an instance whose webhook is the inbox (all events),
// pair it by scanning the QR the API returned, and wait for what the receiver gets.
import { expect } from "vitest";
import type { FakePhone } from "../../fake-wa/index.ts";
import type { Stack } from "./stack.ts";
import type { ReceivedWebhook } from "./webhook-inbox.ts";

export interface QrCode {
  code: string;
  base64: string;
  count: number;
}

/** The `webhook` of `instance` with `event` whose data passes `match`. */
export function webhookOf(stack: Stack, instance: string, event: string, match: (data: ReceivedWebhook["body"]["data"]) => boolean, timeoutMs?: number) {
  return stack.inbox.waitFor((w) => w.body.instance === instance && w.body.event === event && match(w.body.data), `${instance} ${event}`, timeoutMs);
}

export const connectionWebhook = (stack: Stack, instance: string, state: string, statusReason?: number, timeoutMs?: number) =>
  webhookOf(stack, instance, "connection.update", (d) => d.state === state && (statusReason === undefined || d.statusReason === statusReason), timeoutMs);

/** POST /instance/create with `qrcode: true` and the inbox as webhook (every event); returns the QR. */
export async function createWithQr(stack: Stack, instanceName: string): Promise<QrCode> {
  const created = await stack.api("POST", "/instance/create", { instanceName, qrcode: true, webhook: stack.inbox.url });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  expect(created.json.instance).toMatchObject({ instanceName, status: "created" });
  expect(created.json.webhook).toMatchObject({ webhook: stack.inbox.url, events: [] });
  return created.json.qrcode as QrCode;
}

/** The phone scans `qr`; resolves with the `connection.update` open webhook. */
export async function scanAndWaitOpen(stack: Stack, instance: string, phone: FakePhone, qr: string): Promise<ReceivedWebhook> {
  await phone.scanQr(qr);
  await phone.waitForOnline(20_000);
  return connectionWebhook(stack, instance, "open", undefined, 20_000);
}

export async function connectionState(stack: Stack, instance: string): Promise<string> {
  const res = await stack.api("GET", `/instance/connectionState/${instance}`);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  expect(res.json.instance.instanceName).toBe(instance);
  return res.json.instance.state as string;
}

/** Webhooks of `instance` received after the `since` index of the inbox. */
export const webhooksSince = (stack: Stack, instance: string, since: number) =>
  stack.inbox.received.slice(since).filter((w) => w.body.instance === instance);

export interface PairedInstance {
  name: string;
  /** The account's phone number (digits) and its JID. */
  pn: string;
  jid: string;
  phone: FakePhone;
  qr: QrCode;
  /** The `connection.update` open webhook. */
  open: ReceivedWebhook;
}

let freshCount = 0;

/** A new instance name and a new WhatsApp account (phone), unused by any other test. */
export function freshAccount(stack: Stack, label: string): { name: string; pn: string; jid: string; phone: FakePhone } {
  freshCount += 1;
  const pn = `15554${String(freshCount).padStart(6, "0")}`;
  return { name: `${label}-${freshCount}`, pn, jid: `${pn}@s.whatsapp.net`, phone: stack.wa.phone(pn) };
}

/** Creates an instance (inbox webhook, every event) for a new account and pairs it; resolves once it is open. */
export async function pairFreshInstance(stack: Stack, label: string): Promise<PairedInstance> {
  const account = freshAccount(stack, label);
  const qr = await createWithQr(stack, account.name);
  const open = await scanAndWaitOpen(stack, account.name, account.phone, qr.code);
  return { ...account, qr, open };
}
