// Signed command transport to the connector (docs/protocol.md#commands): signs every request, verifies every
// response signature, enforces a hard timeout and validates bodies with the shared schemas.
// Knows nothing about routes or instance semantics; instance-commands.ts does.
import type { z } from "zod";
import type { Config } from "../env.ts";
import { ApiError } from "../errors.ts";
import { log } from "../log.ts";
import { commandErrorSchema } from "../../protocol/commands.ts";
import {
  CONNECTOR_SIGNATURE_HEADER,
  CONNECTOR_TIMESTAMP_HEADER,
  connectorSignatureHeaders,
  verifyConnectorRequest,
} from "../../protocol/signing.ts";

export type Fetcher = (input: string, init: RequestInit) => Promise<Response>;

export interface ConnectorClient {
  config: Config;
  /** Defaults to the global fetch, looked up per call (tests replace it). */
  fetcher?: Fetcher;
  now?: () => number;
}

export interface CommandRequest<T> {
  /** Short name for logs and messages, e.g. "connect". */
  name: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  schema: z.ZodType<T>;
}

/** A signed, verified error answer from the connector (4xx/5xx with `{error, message}`). */
export interface CommandRejection {
  ok: false;
  status: number;
  error: string;
  message: string;
}

export type CommandResult<T> = { ok: true; data: T } | CommandRejection;

const MAX_ERROR_TEXT = 200;

export const unreachable = (reason: string) => new ApiError("CONNECTOR_UNAVAILABLE", `Connector unreachable: ${reason}`);

function rejectOnAbort(signal: AbortSignal, timeoutMs: number): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(unreachable(`no answer within ${timeoutMs} ms`));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}

/** fetch + read the whole body, raced against the timeout so a stuck connector never hangs us. */
async function exchange(deps: ConnectorClient, url: string, init: RequestInit): Promise<{ res: Response; text: string }> {
  const timeoutMs = deps.config.connectorCommandTimeoutMs;
  const signal = AbortSignal.timeout(timeoutMs);
  const fetcher: Fetcher = deps.fetcher ?? ((input, requestInit) => fetch(input, requestInit));
  const attempt = (async () => {
    let res: Response;
    try {
      res = await fetcher(url, { ...init, signal });
    } catch (err) {
      if (signal.aborted) throw unreachable(`no answer within ${timeoutMs} ms`);
      throw unreachable(err instanceof Error ? err.message : String(err));
    }
    try {
      return { res, text: await res.text() };
    } catch (err) {
      throw unreachable(`response body could not be read (${err instanceof Error ? err.message : String(err)})`);
    }
  })();
  // The race settles first on timeout; keep the losing promise from becoming an unhandled rejection.
  attempt.catch(() => undefined);
  return Promise.race([attempt, rejectOnAbort(signal, timeoutMs)]);
}

async function verifyResponse(deps: ConnectorClient, command: string, res: Response, text: string, now: number): Promise<void> {
  const check = await verifyConnectorRequest(
    deps.config.connectorSecret,
    res.headers.get(CONNECTOR_TIMESTAMP_HEADER),
    res.headers.get(CONNECTOR_SIGNATURE_HEADER),
    text,
    now,
  );
  if (res.status === 401) {
    log.warn("connector_rejected_signature", { command, responseSignature: check.ok ? "valid" : check.reason });
    throw new ApiError("CONNECTOR_BAD_ANSWER", "Connector rejected the worker's signature: CONNECTOR_SECRET must be the same on the worker and the connector");
  }
  if (!check.ok) {
    log.warn("connector_bad_response_signature", { command, status: res.status, reason: check.reason });
    throw new ApiError("CONNECTOR_BAD_ANSWER", `Connector response signature is ${check.reason === "missing" ? "missing" : "invalid"} (${check.reason}): check CONNECTOR_SECRET on both sides`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toResult<T>(command: CommandRequest<T>, status: number, text: string): CommandResult<T> {
  const json = parseJson(text);
  if (status >= 200 && status < 300) {
    const parsed = command.schema.safeParse(json);
    if (parsed.success) return { ok: true, data: parsed.data };
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `"${issue.path.join(".")}" ` : "";
    throw new ApiError("CONNECTOR_BAD_ANSWER", `Connector sent an unexpected ${command.name} response: ${where}${issue?.message ?? "not JSON"}`);
  }
  const error = commandErrorSchema.safeParse(json);
  if (error.success) return { ok: false, status, ...error.data };
  return { ok: false, status, error: `http_${status}`, message: text.slice(0, MAX_ERROR_TEXT) || `HTTP ${status}` };
}

/** Sends one signed command. Throws ApiError 503 (unreachable/timeout) or 502 (bad signature/body). */
export async function sendCommand<T>(deps: ConnectorClient, command: CommandRequest<T>): Promise<CommandResult<T>> {
  const baseUrl = deps.config.connectorUrl;
  if (!baseUrl) throw unreachable("CONNECTOR_URL is not set");
  const now = deps.now ?? Date.now;
  const body = command.body === undefined ? "" : JSON.stringify(command.body);
  const headers: Record<string, string> = await connectorSignatureHeaders(deps.config.connectorSecret, body, now());
  if (body) headers["content-type"] = "application/json";
  const url = `${baseUrl.replace(/\/+$/, "")}${command.path}`;
  const { res, text } = await exchange(deps, url, { method: command.method, headers, body: body || undefined });
  await verifyResponse(deps, command.name, res, text, now());
  return toResult(command, res.status, text);
}

/** The generic mapping for a rejection no command-specific rule handled. */
export function rejectionError(command: string, rejection: CommandRejection): ApiError {
  if (rejection.status === 503) return new ApiError("CONNECTOR_UNAVAILABLE", `Connector unavailable: ${rejection.message}`);
  return new ApiError("CONNECTOR_BAD_ANSWER", `Connector could not ${command} (${rejection.status} ${rejection.error}): ${rejection.message}`);
}
