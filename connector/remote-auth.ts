// Credential write-through (docs/protocol.md#credentials): after the auth state of an owned instance
// changes, its whole snapshot (creds + Signal keys) is encrypted with AES-256-GCM under
// CREDENTIALS_KEY and PUT to the worker, which keeps only ciphertext; a connector taking an
// instance over GETs and decrypts it. Writes are debounced; a failed write is retried by the next one.
import type { Logger } from "pino";
import { credentialsHeaders, credentialsPath } from "../protocol/credentials.ts";
import { fromBase64, toBase64 } from "../protocol/signing.ts";
import type { AuthSnapshot, SqliteAuthStore } from "./auth-store.ts";

export type RemoteAuthDeps = {
  store: SqliteAuthStore;
  workerUrl: string;
  connectorId: string;
  /** This connector's signing key (ConnectorConfig.connectorKey). */
  signingKey: string;
  /** 32 bytes. */
  key: Uint8Array;
  /** The epoch this connector holds `instance` at; undefined when it does not own it (nothing is written). */
  epochOf: (instance: string) => number | undefined;
  fetch: typeof fetch;
  logger: Logger;
  now: () => number;
  debounceMs?: number;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `base64(iv ‖ ciphertext ‖ tag)`; the instance name is the additional data, so a blob cannot be moved to another instance. */
export async function encryptSnapshot(key: Uint8Array, instance: string, snapshot: AuthSnapshot): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const cryptoKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(instance) }, cryptoKey, encoder.encode(JSON.stringify(snapshot))));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64(out);
}

export async function decryptSnapshot(key: Uint8Array, instance: string, blob: string): Promise<AuthSnapshot> {
  const bytes = fromBase64(blob);
  const cryptoKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["decrypt"]);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: encoder.encode(instance) }, cryptoKey, bytes.slice(12));
  return JSON.parse(decoder.decode(plain)) as AuthSnapshot;
}

export class RemoteAuth {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly deps: RemoteAuthDeps) {
    deps.store.onChange = (instance, kind) => this.changed(instance, kind);
  }

  /** Loads the stored auth state of `instance` into the local store; false when the worker has none. */
  async pull(instance: string, epoch: number): Promise<boolean> {
    const res = await this.request("GET", instance, epoch, "");
    if (res.status === 204) return false;
    const text = await res.text();
    if (res.status !== 200) throw new Error(`credentials GET ${res.status}: ${text.slice(0, 200)}`);
    this.deps.store.restore(instance, await decryptSnapshot(this.deps.key, instance, text), this.deps.now());
    this.deps.logger.info({ instance, epoch }, "credentials loaded from the worker");
    return true;
  }

  /** Writes every pending change now (shutdown, hand-over). */
  async flush(): Promise<void> {
    const pending = [...this.timers.keys()];
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(pending.map((instance) => this.push(instance)));
    await Promise.all(this.writes.values());
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.deps.store.onChange = undefined;
  }

  private changed(instance: string, _kind: "write" | "wipe"): void {
    if (this.deps.epochOf(instance) === undefined) return;
    const existing = this.timers.get(instance);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.timers.delete(instance);
      void this.push(instance);
    }, this.deps.debounceMs ?? 500);
    timer.unref();
    this.timers.set(instance, timer);
  }

  /** One write at a time per instance; each reads the latest snapshot. */
  private push(instance: string): Promise<void> {
    const previous = this.writes.get(instance) ?? Promise.resolve();
    const next = previous.then(() => this.write(instance)).catch((error: unknown) => {
      this.deps.logger.warn({ instance, err: error instanceof Error ? error.message : String(error) }, "credentials write-through failed; the next change retries");
    });
    this.writes.set(instance, next);
    void next.finally(() => {
      if (this.writes.get(instance) === next) this.writes.delete(instance);
    });
    return next;
  }

  private async write(instance: string): Promise<void> {
    const epoch = this.deps.epochOf(instance);
    if (epoch === undefined) return;
    const snapshot = this.deps.store.snapshot(instance);
    const body = snapshot ? await encryptSnapshot(this.deps.key, instance, snapshot) : "";
    const res = await this.request(snapshot ? "PUT" : "DELETE", instance, epoch, body);
    const text = await res.text();
    if (res.status !== 204) throw new Error(`credentials ${snapshot ? "PUT" : "DELETE"} ${res.status}: ${text.slice(0, 200)}`);
  }

  private async request(method: "GET" | "PUT" | "DELETE", instance: string, epoch: number, body: string): Promise<Response> {
    const headers = await credentialsHeaders(this.deps.signingKey, this.deps.connectorId, method, instance, epoch, body, this.deps.now());
    return this.deps.fetch(`${this.deps.workerUrl}${credentialsPath(instance)}`, {
      method,
      headers: { ...headers, ...(body ? { "content-type": "text/plain" } : {}) },
      body: body || undefined,
      signal: AbortSignal.timeout(15_000),
    });
  }
}
