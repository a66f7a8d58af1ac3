// Small in-memory caches one instance keeps across its reconnects: a bounded TTL map that
// satisfies Baileys' CacheStore (msgRetryCounterCache, group metadata) and the recent-message
// store behind getMessage/quoting, which hands sent messages to a disk backing (sent-messages.ts).
import type { CacheStore, WAMessage, proto } from "@whiskeysockets/baileys";

/** Insertion-ordered map with a size bound and per-entry TTL (oldest evicted first). */
export class BoundedCache<V> implements CacheStore {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value as unknown as T;
  }

  set<T>(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value: value as unknown as V, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  del(key: string): void {
    this.entries.delete(key);
  }

  flushAll(): void {
    this.entries.clear();
  }
}

const HOUR_MS = 60 * 60 * 1000;

/** Where sent messages outlive this memory (an instance's slice of the SentMessageStore). */
export type MessageBacking = { save(message: WAMessage): void; find(id: string): WAMessage | undefined };

/**
 * Recent messages by id (for getMessage retries and quoting) plus the ids sent through the API.
 * Messages the instance sent also go to the backing, because a recipient's retry receipt can
 * come after a restart or after the 1,000 most recent have moved on.
 */
export class MessageStore {
  private readonly messages = new BoundedCache<WAMessage>(1_000, 24 * HOUR_MS);
  private readonly apiSends = new BoundedCache<true>(1_000, 24 * HOUR_MS);

  constructor(private readonly backing?: MessageBacking) {}

  markApiSend(id: string): void {
    this.apiSends.set(id, true);
  }

  unmarkApiSend(id: string): void {
    this.apiSends.del(id);
  }

  isApiSend(id: string | null | undefined): boolean {
    return typeof id === "string" && this.apiSends.get<true>(id) === true;
  }

  remember(message: WAMessage): void {
    if (!message.key?.id) return;
    this.messages.set(message.key.id, message);
    if (message.key.fromMe) this.backing?.save(message);
  }

  find(id: string | null | undefined): WAMessage | undefined {
    if (!id) return undefined;
    return this.messages.get<WAMessage>(id) ?? this.backing?.find(id);
  }

  content(id: string | null | undefined): proto.IMessage | undefined {
    return this.find(id)?.message ?? undefined;
  }
}
