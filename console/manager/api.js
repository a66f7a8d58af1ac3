// The console's only way to the server: the public API with the key the user typed. The key is
// kept in this tab's sessionStorage, sent only in the `apikey` header to this origin, never put in
// a URL or a cookie.
const KEY_STORAGE = "l2msg.console.apiKey";
const KIND_STORAGE = "l2msg.console.keyKind";

export const session = {
  key: () => sessionStorage.getItem(KEY_STORAGE),
  kind: () => sessionStorage.getItem(KIND_STORAGE),
  save(key, kind) {
    sessionStorage.setItem(KEY_STORAGE, key);
    sessionStorage.setItem(KIND_STORAGE, kind);
  },
  clear() {
    sessionStorage.removeItem(KEY_STORAGE);
    sessionStorage.removeItem(KIND_STORAGE);
  },
};

/** An API answer other than 2xx, with the Evolution body's messages (always a list). */
export class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join("; "));
    this.status = status;
    this.messages = messages;
  }
}

/** Listeners told when the key stops working (401), so the app can sign out. */
const unauthorizedListeners = new Set();
export const onUnauthorized = (listener) => unauthorizedListeners.add(listener);

export async function api(method, path, body, key = session.key()) {
  const headers = { apikey: key ?? "" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.ok) return json;
  const message = json?.response?.message ?? (text || res.statusText);
  const error = new ApiError(res.status, Array.isArray(message) ? message.map(String) : [String(message)]);
  if (res.status === 401 && key === session.key()) for (const listener of unauthorizedListeners) listener(error);
  throw error;
}

/**
 * The request field a validation message is about: the API words them
 * `Invalid "headers.X-A" property: …` (wrapped bodies: `webhook.url`), so `headers` here.
 */
export function fieldOfMessage(message) {
  const match = /^Invalid "([^"]+)" property/.exec(message);
  if (!match) return undefined;
  return match[1].replace(/^webhook\./, "").split(".")[0];
}

export const enc = encodeURIComponent;
