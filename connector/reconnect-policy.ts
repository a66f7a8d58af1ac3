// What to do when a Baileys socket closes (docs/connector.md#reconnect-policy), and how long to wait between
// retries. Pure: no I/O, no clock; randomness is passed in.

export type ReconnectDecision =
  /** 515 restartRequired: expected once after pairing — reconnect immediately. */
  | { action: "reconnect-now" }
  /** Transient (428, 408, 500, 503, network, unknown): reconnect after a capped backoff. */
  | { action: "reconnect-backoff" }
  /** 401 loggedOut: wipe credentials, stay down until the next connect command. */
  | { action: "logged-out" }
  /** 440 replaced, 403 forbidden, 411 multi-device mismatch, 419: stay down and report. */
  | { action: "stay-down" }
  /** Nobody scanned the QR in time: stop asking for QR codes until the next connect command. */
  | { action: "qr-exhausted" }
  /** 405: WhatsApp refuses this WA Web version; every retry would get the same answer. */
  | { action: "version-rejected" };

const STAY_DOWN = new Set([403, 411, 419, 440]);

export function decideReconnect(statusCode: number | undefined, message: string | undefined): ReconnectDecision {
  if (message === "QR refs attempts ended") return { action: "qr-exhausted" };
  if (statusCode === 515) return { action: "reconnect-now" };
  if (statusCode === 401) return { action: "logged-out" };
  if (statusCode === 405) return { action: "version-rejected" };
  if (statusCode !== undefined && STAY_DOWN.has(statusCode)) return { action: "stay-down" };
  return { action: "reconnect-backoff" };
}

export type BackoffOptions = { baseMs: number; maxMs: number };

/** Exponential backoff with "equal jitter": half fixed, half random, never above maxMs. */
export function backoffDelay(attempt: number, { baseMs, maxMs }: BackoffOptions, random: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}

/** Status code and message of Baileys' `lastDisconnect.error` (a Boom, a plain Error, or nothing). */
export function disconnectInfo(error: unknown): { statusCode: number | undefined; message: string | undefined } {
  if (!error || typeof error !== "object") return { statusCode: undefined, message: undefined };
  const e = error as { message?: unknown; output?: { statusCode?: unknown }; statusCode?: unknown };
  const code = e.output?.statusCode ?? e.statusCode;
  return {
    statusCode: typeof code === "number" ? code : undefined,
    message: typeof e.message === "string" ? e.message : undefined,
  };
}
