// The messages each instance sent, on disk (SQLite) for days: what Baileys' getMessage needs to
// re-encrypt a message when a recipient's retry receipt asks for it, after a restart or long after
// the in-memory store forgot it; also what quoting a sent message needs. Bounded by age and by a
// per-instance count; no network here.
import { proto, type WAMessage, type WAMessageKey } from "@whiskeysockets/baileys";
import Database from "better-sqlite3";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sent_messages (
  instance TEXT NOT NULL,
  id TEXT NOT NULL,
  key TEXT NOT NULL,
  message BLOB NOT NULL,
  timestamp INTEGER,
  at INTEGER NOT NULL,
  PRIMARY KEY (instance, id)
);
CREATE INDEX IF NOT EXISTS sent_messages_at ON sent_messages (instance, at);
`;

/** Prune once every this many writes (pruning scans the instance's rows). */
const PRUNE_EVERY = 200;

export type SentMessageBounds = { maxAgeMs: number; maxPerInstance: number };

type Row = { key: string; message: Buffer; timestamp: number | null };

export class SentMessageStore {
  private readonly db: Database.Database;
  private writes = 0;

  constructor(
    path: string,
    private readonly bounds: SentMessageBounds,
    private readonly now: () => number = Date.now,
  ) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA);
    this.pruneAge();
  }

  /** Stores a sent message's key and content (protobuf bytes, so getMessage returns it exactly). */
  save(instance: string, message: WAMessage): void {
    const id = message.key?.id;
    if (!id || !message.message) return;
    const bytes = Buffer.from(proto.Message.encode(message.message).finish());
    const key = JSON.stringify({ remoteJid: message.key.remoteJid, fromMe: true, id, participant: message.key.participant ?? undefined });
    const timestamp = Number(message.messageTimestamp ?? 0) || null;
    this.db
      .prepare("INSERT OR REPLACE INTO sent_messages (instance, id, key, message, timestamp, at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(instance, id, key, bytes, timestamp, this.now());
    if (++this.writes % PRUNE_EVERY === 0) this.prune(instance);
  }

  find(instance: string, id: string): WAMessage | undefined {
    const row = this.db
      .prepare("SELECT key, message, timestamp FROM sent_messages WHERE instance = ? AND id = ? AND at > ?")
      .get(instance, id, this.now() - this.bounds.maxAgeMs) as Row | undefined;
    if (!row) return undefined;
    return {
      key: JSON.parse(row.key) as WAMessageKey,
      message: proto.Message.decode(row.message),
      ...(row.timestamp ? { messageTimestamp: row.timestamp } : {}),
    };
  }

  count(instance: string): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM sent_messages WHERE instance = ?").get(instance) as { n: number }).n;
  }

  /** Drops rows past the age bound (every instance) and the instance's oldest rows past the count bound. */
  prune(instance: string): void {
    this.pruneAge();
    this.db
      .prepare(
        "DELETE FROM sent_messages WHERE instance = ? AND id NOT IN (SELECT id FROM sent_messages WHERE instance = ? ORDER BY at DESC, rowid DESC LIMIT ?)",
      )
      .run(instance, instance, this.bounds.maxPerInstance);
  }

  /** A logged-out or removed instance's messages go with its credentials. */
  wipe(instance: string): void {
    this.db.prepare("DELETE FROM sent_messages WHERE instance = ?").run(instance);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private pruneAge(): void {
    this.db.prepare("DELETE FROM sent_messages WHERE at <= ?").run(this.now() - this.bounds.maxAgeMs);
  }
}
