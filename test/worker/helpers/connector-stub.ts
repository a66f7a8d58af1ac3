// A stand-in connector for workerd tests: replaces the global fetch, answers requests to
// CONNECTOR_URL the way the real connector must (verifies the worker's signature, signs its
// responses) and answers every other URL (webhook receivers) with 200.
import { env } from "cloudflare:test";
import { vi } from "vitest";
import { connectorSignatureHeaders, verifyConnectorRequest } from "../../../protocol/signing.ts";

export const CONNECTOR_SECRET = "test-connector-secret-0123456789";
export const CONNECTOR_URL = String(env.CONNECTOR_URL ?? "http://127.0.0.1:8788");

export interface ConnectorCall {
  method: string;
  path: string;
  body: unknown;
  signatureValid: boolean;
}

export type StubReply =
  | { status?: number; body: unknown; signing?: "valid" | "none" | "wrong-secret" | "tampered" }
  /** Never answers; rejects only when the request's signal aborts (like a real fetch). */
  | "hang"
  /** Never answers and ignores the abort signal (a fetch the worker must not wait for). */
  | "hang-ignoring-abort"
  /** The connection fails (connector down). */
  | "down";

export type StubHandler = (call: ConnectorCall) => StubReply;

export interface ConnectorStub {
  calls: ConnectorCall[];
  /** Requests to other URLs (webhook deliveries). */
  otherRequests: string[];
}

async function signedResponse(reply: Exclude<StubReply, string>): Promise<Response> {
  const text = JSON.stringify(reply.body);
  const signing = reply.signing ?? "valid";
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signing === "valid" || signing === "tampered") Object.assign(headers, await connectorSignatureHeaders(CONNECTOR_SECRET, text, Date.now()));
  if (signing === "wrong-secret") Object.assign(headers, await connectorSignatureHeaders("another-secret-0123456789abcdef", text, Date.now()));
  const sent = signing === "tampered" ? text.replace(/}$/, ',"extra":1}') : text;
  return new Response(sent, { status: reply.status ?? 200, headers });
}

function waitForAbort(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_, reject) => {
    signal?.addEventListener("abort", () => reject(new DOMException("The operation was aborted", "AbortError")), { once: true });
  });
}

async function answer(handler: StubHandler, stub: ConnectorStub, request: Request, signal: AbortSignal | null | undefined, secret: string): Promise<Response> {
  const url = new URL(request.url);
  const raw = await request.text();
  const check = await verifyConnectorRequest(secret, request.headers.get("x-l2msg-timestamp"), request.headers.get("x-l2msg-signature"), raw, Date.now());
  const call: ConnectorCall = { method: request.method, path: url.pathname, body: raw ? JSON.parse(raw) : undefined, signatureValid: check.ok };
  stub.calls.push(call);
  if (!check.ok) return signedResponse({ status: 401, body: { error: "unauthorized", message: "bad signature" } });
  const reply = handler(call);
  if (reply === "down") throw new TypeError("Network connection lost.");
  if (reply === "hang") return waitForAbort(signal);
  if (reply === "hang-ignoring-abort") return new Promise<Response>(() => undefined);
  return signedResponse(reply);
}

/** Installs the stand-in; `secret` lets a test make it disagree with the worker. Restore with vi.restoreAllMocks(). */
export function stubConnector(handler: StubHandler, secret = CONNECTOR_SECRET): ConnectorStub {
  const stub: ConnectorStub = { calls: [], otherRequests: [] };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(CONNECTOR_URL)) {
      stub.otherRequests.push(request.url);
      return new Response("ok", { status: 200 });
    }
    return answer(handler, stub, request, init?.signal ?? request.signal, secret);
  });
  return stub;
}

/** A connector instance-status body (instanceStatusSchema). */
export function status(instance: string, state: "open" | "connecting" | "close", extra: Record<string, unknown> = {}) {
  return { instance, state, statusReason: state === "open" ? 200 : null, me: null, qr: null, pairingCode: null, ...extra };
}

/** Sets an instance's stored connection status directly in D1. */
export async function setStoredStatus(instanceName: string, statusValue: string): Promise<void> {
  await env.DB.prepare("UPDATE instances SET status = ? WHERE name = ?").bind(statusValue, instanceName).run();
}
