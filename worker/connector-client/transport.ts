// Signed commands to the connector that owns an instance (docs/protocol.md#commands): looks the owner
// (and its epoch) up in the fleet registry, or places the instance for commands that start it, sends
// the command down that connector's socket through its hub, and validates the answer body with the
// shared schemas. Knows nothing about routes or instance semantics; instance-commands.ts does.
import type { z } from "zod";
import type { Config, Env } from "../env.ts";
import { ApiError } from "../errors.ts";
import { connectorHub } from "../fleet/hub.ts";
import { fleetRegistry, type Owner } from "../fleet/registry.ts";
import { log } from "../log.ts";
import { commandErrorSchema } from "../../protocol/commands.ts";
import { instanceOfPath } from "../../protocol/fleet.ts";

export interface ConnectorClient {
  config: Config;
  env: Env;
  now?: () => number;
}

export interface CommandRequest<T> {
  /** Short name for logs and messages, e.g. "connect". */
  name: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  schema: z.ZodType<T>;
  /** "place": an instance without a live owner is placed on a connector (connect, restart); default: owner only. */
  placement?: "place" | "owner";
}

/** A signed, verified error answer from the connector (4xx/5xx with `{error, message}`). */
export interface CommandRejection {
  ok: false;
  status: number;
  error: string;
  message: string;
}

export type CommandResult<T> = { ok: true; data: T; owner: Owner } | CommandRejection;

const MAX_ERROR_TEXT = 200;
/** Slack over the command timeout for the hop to the hub itself. */
const RPC_SLACK_MS = 2_000;

export const unreachable = (reason: string) => new ApiError("CONNECTOR_UNAVAILABLE", `Connector unreachable: ${reason}`);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toResult<T>(command: CommandRequest<T>, owner: Owner, status: number, text: string): CommandResult<T> {
  const json = parseJson(text);
  if (status >= 200 && status < 300) {
    const parsed = command.schema.safeParse(json);
    if (parsed.success) return { ok: true, data: parsed.data, owner };
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `"${issue.path.join(".")}" ` : "";
    throw new ApiError("CONNECTOR_BAD_ANSWER", `Connector sent an unexpected ${command.name} response: ${where}${issue?.message ?? "not JSON"}`);
  }
  const error = commandErrorSchema.safeParse(json);
  if (error.success) return { ok: false, status, ...error.data };
  return { ok: false, status, error: `http_${status}`, message: text.slice(0, MAX_ERROR_TEXT) || `HTTP ${status}` };
}

async function ownerFor(deps: ConnectorClient, instance: string, placement: "place" | "owner", now: number): Promise<Owner | undefined> {
  const registry = fleetRegistry(deps.env);
  if (!instance) return undefined;
  return placement === "place" ? registry.place(instance, now) : registry.owner(instance, now);
}

/** Sends one signed command. Throws ApiError 503 (no owner to start on, unreachable, timeout) or 502 (bad signature/body). */
export async function sendCommand<T>(deps: ConnectorClient, command: CommandRequest<T>): Promise<CommandResult<T>> {
  const now = deps.now ?? Date.now;
  const instance = instanceOfPath(command.path);
  const placement = command.placement ?? "owner";
  const owner = await ownerFor(deps, instance, placement, now());
  if (!owner) {
    if (placement === "place") throw unreachable("no live connector has room for the instance");
    // Nobody holds it: the connector's own answer for an instance it has no session for.
    return { ok: false, status: 404, error: "not_found", message: `no connector owns instance ${instance}` };
  }
  const timeoutMs = deps.config.connectorCommandTimeoutMs;
  const body = command.body === undefined ? "" : JSON.stringify(command.body);
  const hub = connectorHub(deps.env, owner.connectorId);
  const call = hub.command({ method: command.method, path: command.path, instance, epoch: owner.epoch, body, timeoutMs });
  const result = await Promise.race([
    call,
    new Promise<{ kind: "unreachable"; reason: string }>((resolve) => setTimeout(() => resolve({ kind: "unreachable", reason: `no answer within ${timeoutMs} ms` }), timeoutMs + RPC_SLACK_MS)),
  ]);
  if (result.kind === "unreachable") throw unreachable(result.reason);
  if (result.kind === "bad_answer") {
    log.warn("connector_bad_response_signature", { command: command.name, connector: owner.connectorId, reason: result.reason });
    const word = result.reason === "missing" ? "missing" : "invalid";
    throw new ApiError("CONNECTOR_BAD_ANSWER", `Connector response signature is ${word} (${result.reason}): check CONNECTOR_SECRET on both sides`);
  }
  if (result.status === 401) {
    log.warn("connector_rejected_signature", { command: command.name, connector: owner.connectorId });
    throw new ApiError("CONNECTOR_BAD_ANSWER", "Connector rejected the worker's signature: CONNECTOR_SECRET must be the same on the worker and the connector");
  }
  return toResult(command, owner, result.status, result.body);
}

/** The generic mapping for a rejection no command-specific rule handled. */
export function rejectionError(command: string, rejection: CommandRejection): ApiError {
  if (rejection.status === 503) return new ApiError("CONNECTOR_UNAVAILABLE", `Connector unavailable: ${rejection.message}`);
  return new ApiError("CONNECTOR_BAD_ANSWER", `Connector could not ${command} (${rejection.status} ${rejection.error}): ${rejection.message}`);
}
