// One delivery attempt, split as prepare (resolve target, body, signed headers) → call (one
// POST, fetch injected) → the caller classifies. No D1 here; the clock comes from the caller.
import type { Config } from "../env.ts";
import type { WebhookEventName } from "../events/names.ts";
import type { DeliveryContext } from "../storage/deliveries.ts";
import type { AttemptResult } from "./policy.ts";
import { deliveryBody, deliveryHeaders, deliveryUrl, signingSecrets } from "./request.ts";
import { checkWebhookUrl } from "./url-guard.ts";

/** First bytes of a response kept in the attempt log. */
export const RESPONSE_SNIPPET_BYTES = 1024;

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface PreparedRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type Preparation = { ok: true; request: PreparedRequest } | { ok: false; reason: string };

interface ResolvedTarget {
  baseUrl: string;
  byEvents: boolean;
  includeBase64: boolean;
  secrets: string[];
  customHeaders: Record<string, string>;
}

/**
 * The target as configured now (a fixed URL or a rotated secret applies to pending retries).
 * The global webhook never gets `message.base64` (it has no base64 setting) and is unsigned
 * when WEBHOOK_GLOBAL_SECRET is unset.
 */
function resolveTarget(ctx: DeliveryContext, config: Config, nowMs: number): ResolvedTarget | string {
  if (ctx.delivery.target === "global") {
    const global = config.globalWebhook;
    if (!global.enabled || !global.url) return "the global webhook is disabled";
    const secrets = global.secret ? [global.secret] : [];
    return { baseUrl: global.url, byEvents: global.byEvents, includeBase64: false, secrets, customHeaders: {} };
  }
  const { webhook } = ctx;
  if (!webhook) return "the instance webhook was removed";
  if (!webhook.enabled) return "the instance webhook is disabled";
  const secrets = signingSecrets(webhook.secret, webhook.previousSecret, webhook.previousSecretExpiresAt, nowMs);
  return { baseUrl: webhook.url, byEvents: webhook.byEvents, includeBase64: webhook.base64, secrets, customHeaders: webhook.headers ?? {} };
}

export async function prepareRequest(ctx: DeliveryContext, config: Config, nowMs: number): Promise<Preparation> {
  const target = resolveTarget(ctx, config, nowMs);
  if (typeof target === "string") return { ok: false, reason: target };
  const event = ctx.event.event as WebhookEventName;
  const url = deliveryUrl(target.baseUrl, target.byEvents, event);
  const check = checkWebhookUrl(url, config.allowPrivateUrls);
  if (!check.ok) return { ok: false, reason: `webhook URL refused: ${check.reason}` };
  const exposeToken = config.exposeInFetchInstances && ctx.instance !== undefined;
  const body = deliveryBody({
    event, instanceName: ctx.event.instanceName, dataJson: ctx.event.data, dateTime: ctx.event.dateTime,
    sender: ctx.event.sender, destination: url, serverUrl: config.serverUrl,
    apikey: exposeToken ? ctx.instance?.token : undefined, includeBase64: target.includeBase64, sequence: ctx.event.sequence,
  });
  const headers = await deliveryHeaders({
    webhookId: ctx.delivery.id, body, nowMs, secrets: target.secrets, customHeaders: target.customHeaders, sequence: ctx.event.sequence,
  });
  return { ok: true, request: { url, body, headers } };
}

export interface CallResult {
  result: AttemptResult;
  latencyMs: number;
  responseBody: string | null;
}

const decoder = new TextDecoder();

/**
 * Reads at most `limit` bytes and cancels the rest, so the connection is always released. A body
 * that declares a length within the limit (most webhook answers: "ok", "{}") is read whole in one
 * call. One of unknown length (chunked: Node's `res.writeHead(…).end("ok")`) is read with a BYOB
 * reader into one buffer of `limit + 1` bytes: a default reader allocated a chunk per read, and
 * reading that way cost the consumer ~6 % of its time per delivery against `text()`
 * (BENCHMARKS.md), which cannot be bounded. The stream is cancelled only when not read to its end.
 */
async function readSnippet(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isInteger(declared) && declared >= 0 && declared <= limit) return (await response.text()).slice(0, limit);
  const reader = response.body.getReader({ mode: "byob" });
  let bytes = new Uint8Array(limit + 1);
  let size = 0;
  let ended = false;
  try {
    while (size <= limit) {
      const { done, value } = await reader.read(bytes.subarray(size));
      // The read transfers the buffer: go on in the one it came back in.
      if (value) {
        bytes = new Uint8Array(value.buffer);
        size += value.byteLength;
      }
      if (done) {
        ended = true;
        break;
      }
    }
  } finally {
    if (!ended) await reader.cancel().catch(() => undefined);
  }
  return decoder.decode(bytes.subarray(0, Math.min(size, limit)));
}

function describeError(error: unknown, timeoutMs: number): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") return `timeout after ${timeoutMs} ms`;
  return `network error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
}

interface RunningCall {
  controller: AbortController;
  deadline: number;
}

/**
 * The timeout of a batch's webhook calls, with one timer for all of them: a timer per call (set,
 * then cleared when the call answers) cost the consumer about 2 % of its time per delivery
 * (BENCHMARKS.md). The timer is armed for the oldest running call's deadline; when it fires,
 * every call past its deadline is aborted and it is armed for the next. All calls have the same
 * timeout, so the oldest running call's deadline is the earliest. No timer is left once no call
 * runs (`AbortSignal.timeout` would also keep each request alive for the whole timeout).
 */
export class CallDeadlines {
  /** In start order, so in deadline order. */
  private readonly running = new Set<RunningCall>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly timeoutMs: number, private readonly clock: () => number = Date.now) {}

  /** A signal aborted once the call has run `timeoutMs`; call `end` when it is over. */
  start(): { signal: AbortSignal; end: () => void } {
    const call: RunningCall = { controller: new AbortController(), deadline: this.clock() + this.timeoutMs };
    this.running.add(call);
    if (this.timer === undefined) this.arm(call.deadline);
    return { signal: call.controller.signal, end: () => this.end(call) };
  }

  private end(call: RunningCall): void {
    this.running.delete(call);
    if (!this.running.size && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadline - this.clock()));
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.clock();
    for (const call of this.running) {
      if (call.deadline > now) return this.arm(call.deadline);
      this.running.delete(call);
      call.controller.abort();
    }
  }
}

/**
 * One POST with a timeout (the call and reading the snippet, `deadlines`); redirects are not
 * followed (a redirect is retried like any non-2xx).
 */
export async function callWebhook(fetchFn: FetchFn, request: PreparedRequest, deadlines: CallDeadlines, now: () => number): Promise<CallResult> {
  const started = now();
  const { signal, end } = deadlines.start();
  try {
    const response = await fetchFn(request.url, {
      method: "POST", headers: request.headers, body: request.body, redirect: "manual", signal,
    });
    const latencyMs = Math.max(0, now() - started);
    const snippet = await readSnippet(response, RESPONSE_SNIPPET_BYTES).catch(() => "");
    const result: AttemptResult = { kind: "response", status: response.status, retryAfter: response.headers.get("retry-after") };
    return { result, latencyMs, responseBody: snippet || null };
  } catch (error) {
    return { result: { kind: "network-error", error: describeError(error, deadlines.timeoutMs) }, latencyMs: Math.max(0, now() - started), responseBody: null };
  } finally {
    end();
  }
}
