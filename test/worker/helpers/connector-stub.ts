// A stand-in connector for workerd tests: dials the worker's connector socket like the real one
// (test/worker/helpers/fleet-client.ts: signed upgrade, commands verified), answers commands through
// a handler with signed answers (or broken ones, on request), and replaces the global fetch so
// webhook receivers answer 200. One stub is live at a time: a new one takes the previous one down.
import { env } from "cloudflare:test";
import { vi } from "vitest";
import { fleetRegistry } from "../../../worker/fleet/registry.ts";
import { FLEET_PATHS, signAnswer, type CommandFrame } from "../../../protocol/fleet.ts";
import { connectFleetClient, type FleetClient } from "./fleet-client.ts";

export const CONNECTOR_SECRET = "test-connector-secret-0123456789";

export interface ConnectorCall {
  method: string;
  path: string;
  body: unknown;
  epoch: number;
  signatureValid: boolean;
}

export type StubReply =
  | { status?: number; body: unknown; signing?: "valid" | "none" | "wrong-secret" | "tampered" }
  /** Never answers. */
  | "hang"
  /** Drops the connection when the command arrives (the connector went away). */
  | "down";

export type StubHandler = (call: ConnectorCall) => StubReply;

export interface ConnectorStub {
  connectorId: string;
  calls: ConnectorCall[];
  /** Requests to other URLs (webhook deliveries). */
  otherRequests: string[];
  client: FleetClient;
}

let live: ConnectorStub | undefined;
let counter = 0;

/** Takes the current stub connector down (its socket closed, not live in the registry). */
export async function disconnectStub(): Promise<void> {
  if (!live) return;
  const { client, connectorId } = live;
  live = undefined;
  client.close();
  await fleetRegistry(env).connectorDown(connectorId, Date.now());
}

async function signedAnswer(frame: CommandFrame, key: string, reply: Exclude<StubReply, string>): Promise<string> {
  const body = JSON.stringify(reply.body);
  const signing = reply.signing ?? "valid";
  const signingKey = signing === "wrong-secret" ? "another-key-0123456789abcdef" : key;
  const answer = await signAnswer(signingKey, { id: frame.id, ts: Math.floor(Date.now() / 1000), status: reply.status ?? 200, body });
  if (signing === "none") answer.sig = "";
  if (signing === "tampered") answer.body = body.replace(/}$/, ',"extra":1}');
  return JSON.stringify(answer);
}

/** Connects a stand-in connector answering with `handler`. Restore fetch with vi.restoreAllMocks(). */
export async function stubConnector(handler: StubHandler): Promise<ConnectorStub> {
  await disconnectStub();
  const otherRequests: string[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    otherRequests.push(new Request(input, init).url);
    return new Response("ok", { status: 200 });
  });
  const calls: ConnectorCall[] = [];
  const connectorId = `stub-${Date.now().toString(36)}-${++counter}`;
  const client = await connectFleetClient(connectorId, (frame) => {
    if (frame.path === FLEET_PATHS.assignments) return "silent";
    const signatureValid = client.received.at(-1)?.check === "ok";
    const call: ConnectorCall = { method: frame.method, path: frame.path, body: frame.body ? JSON.parse(frame.body) : undefined, epoch: frame.epoch, signatureValid };
    calls.push(call);
    const reply = handler(call);
    if (reply === "hang") return "silent";
    if (reply === "down") return "close";
    return { raw: (f, key) => signedAnswer(f, key, reply) };
  }, 100_000);
  // The stub answers only after it has seen its assignments, so the registry knows it as live.
  await client.next();
  live = { connectorId, calls, otherRequests, client };
  return live;
}

/** A connector instance-status body (instanceStatusSchema). */
export function status(instance: string, state: "open" | "connecting" | "close", extra: Record<string, unknown> = {}) {
  return { instance, state, statusReason: state === "open" ? 200 : null, me: null, qr: null, pairingCode: null, ...extra };
}

/** Sets an instance's stored connection status directly in D1. */
export async function setStoredStatus(instanceName: string, statusValue: string): Promise<void> {
  await env.DB.prepare("UPDATE instances SET status = ? WHERE name = ?").bind(statusValue, instanceName).run();
}

/** Makes the live stub the owner of `instanceName` (as a connect would), so commands reach it. */
export async function placeOnStub(instanceName: string): Promise<void> {
  const owner = await fleetRegistry(env).place(instanceName, Date.now());
  if (!live || owner?.connectorId !== live.connectorId) throw new Error(`${instanceName} was not placed on the stub connector`);
}
