// The command dispatcher (worker → connector commands, docs/protocol.md#commands): routes COMMAND_PATHS
// (methods: COMMAND_METHODS) of protocol/commands.ts to handlers. Transport-free and trusting: only
// connector/fleet.ts calls it, for frames worker-link.ts verified (signature, time, binding, replay), behind the epoch fence.
import type { Logger } from "pino";
import { connectRequestSchema, connectorSettingsSchema, sendTextRequestSchema } from "../protocol/commands.ts";
import { instanceNameSchema } from "../protocol/envelope.ts";
import type { InstanceRegistry } from "./instances.ts";
import { NotConnectedError, sendText } from "./send-text.ts";
import { errorMessage } from "./session-events.ts";

export type ControlDeps = {
  registry: InstanceRegistry;
  connectorId: string;
  version: string;
  outboxPending: () => number;
  logger: Logger;
};

export type Reply = { status: number; body: unknown };
type Route = { method: string[]; pattern: RegExp; handle: (deps: ControlDeps, name: string, body: unknown) => Promise<Reply> };

const ok = (body: unknown): Reply => ({ status: 200, body });
const issueList = (issues: { path: PropertyKey[]; message: string }[]) => issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
const fail = (status: number, error: string, message: string): Reply => ({ status, body: { error, message } });

const ROUTES: Route[] = [
  {
    method: ["GET"],
    pattern: /^\/v1\/health$/,
    handle: async (d) => ok({ status: "ok", connector: d.connectorId, version: d.version, instances: d.registry.list().length, outboxPending: d.outboxPending() }),
  },
  { method: ["GET"], pattern: /^\/v1\/instances$/, handle: async (d) => ok({ instances: d.registry.list() }) },
  { method: ["GET"], pattern: /^\/v1\/instances\/([^/]+)$/, handle: async (d, name) => ok(d.registry.status(name)) },
  {
    method: ["DELETE"],
    pattern: /^\/v1\/instances\/([^/]+)$/,
    handle: async (d, name) => {
      await d.registry.remove(name);
      return ok({ instance: name, removed: true });
    },
  },
  {
    method: ["POST"],
    pattern: /^\/v1\/instances\/([^/]+)\/connect$/,
    handle: async (d, name, body) => {
      const parsed = connectRequestSchema.safeParse(body ?? {});
      if (!parsed.success) return fail(400, "invalid_request", issueList(parsed.error.issues));
      const session = d.registry.getOrCreate(name);
      // Before the socket starts, so the first events (the offline queue) already follow them.
      if (parsed.data.settings) await session.applySettings(parsed.data.settings);
      return ok(await session.connect(parsed.data.number ?? undefined));
    },
  },
  { method: ["POST", "PUT"], pattern: /^\/v1\/instances\/([^/]+)\/restart$/, handle: async (d, name) => ok(await d.registry.getOrCreate(name).restart()) },
  {
    method: ["POST", "DELETE"],
    pattern: /^\/v1\/instances\/([^/]+)\/logout$/,
    handle: async (d, name) => {
      const status = await d.registry.logout(name);
      return status ? ok(status) : fail(409, "not_connected", `instance ${name} has no session to log out`);
    },
  },
  { method: ["POST"], pattern: /^\/v1\/instances\/([^/]+)\/send-text$/, handle: sendTextRoute },
  {
    method: ["POST"],
    pattern: /^\/v1\/instances\/([^/]+)\/settings$/,
    handle: async (d, name, body) => {
      const parsed = connectorSettingsSchema.safeParse(body);
      if (!parsed.success) return fail(400, "invalid_request", issueList(parsed.error.issues));
      return ok({ instance: name, settings: await d.registry.getOrCreate(name).applySettings(parsed.data) });
    },
  },
];

async function sendTextRoute(d: ControlDeps, name: string, body: unknown): Promise<Reply> {
  const parsed = sendTextRequestSchema.safeParse(body);
  if (!parsed.success) return fail(400, "invalid_request", issueList(parsed.error.issues));
  const session = d.registry.get(name);
  if (!session?.isOpen()) return fail(409, "not_connected", `instance ${name} is not connected`);
  try {
    return ok(await sendText(session, parsed.data));
  } catch (error) {
    if (error instanceof NotConnectedError) return fail(409, "not_connected", error.message);
    d.logger.warn({ instance: name, err: errorMessage(error) }, "send-text failed");
    return fail(502, "send_failed", errorMessage(error));
  }
}

/** Runs one already-verified command frame from the worker socket (connector/fleet.ts puts the epoch fence in front). */
export async function runCommand(deps: ControlDeps, method: string, path: string, raw: string): Promise<Reply> {
  const matches = ROUTES.filter((r) => r.pattern.test(path));
  if (matches.length === 0) return fail(404, "not_found", `no route for ${path}`);
  const match = matches.find((r) => r.method.includes(method));
  if (!match) return fail(405, "method_not_allowed", `${method} is not allowed on ${path}`);
  const name = decodeURIComponent(match.pattern.exec(path)?.[1] ?? "");
  if (match.pattern.source.includes("([^/]+)") && !instanceNameSchema.safeParse(name).success) {
    return fail(400, "invalid_request", "instance name must be 1-64 characters of A-Z a-z 0-9 . _ -");
  }
  let body: unknown;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    return fail(400, "invalid_request", "body is not valid JSON");
  }
  return match.handle(deps, name, body);
}
