// Small helpers for calling the worker through SELF in workerd tests.
import { SELF } from "cloudflare:test";

export const GLOBAL_KEY = "test-global-api-key";
const BASE = "http://l2msg.test";

let counter = 0;
/** Instance names unique across tests in one file (D1 is shared within a file). */
export function uniqueName(prefix = "inst"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function call(method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? GLOBAL_KEY : options.key;
  if (key !== null) headers.apikey = key;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as any };
}

/** Creates an instance with the global key and returns its name and token. */
export async function createTestInstance(extra: Record<string, unknown> = {}, prefix?: string) {
  const instanceName = uniqueName(prefix);
  const res = await call("POST", "/instance/create", { body: { instanceName, ...extra } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return { instanceName, token: res.json.hash.apikey as string, instanceId: res.json.instance.instanceId as string, response: res.json };
}

/** The Evolution error body for a status, with a matcher for the message. */
export function errorBody(status: number, error: string, message: unknown) {
  return { status, error, response: { message } };
}
