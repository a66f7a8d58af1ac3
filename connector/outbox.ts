// Durable outbox of connector events (SQLite, WAL): an event is taken only once its row is
// committed; ids are minted once and stored, so resends keep them. Rows leave only through
// remove() (after the worker's 200) or quarantine() (after a 400). Bounded: on overflow the
// oldest rows are dropped with one warn line. No network here.
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import type { Logger } from "pino";
import type { ConnectorEvent } from "../protocol/envelope.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  instance TEXT NOT NULL,
  body TEXT NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  instance TEXT NOT NULL,
  body TEXT NOT NULL,
  reason TEXT NOT NULL,
  at INTEGER NOT NULL
);
`;

/** Kept rows of the quarantine table (for inspection); older ones are pruned. */
const QUARANTINE_KEEP = 10_000;

export type NewEvent = Omit<ConnectorEvent, "id">;
export type OutboxRow = { seq: number; id: string; instance: string; body: string; bytes: number };
export type OutboxOptions = { maxEvents: number; maxBytes: number; maxEventBytes: number; logger: Logger };

export class Outbox {
  private readonly db: Database.Database;
  private count: number;
  private bytes: number;
  private overflowing = false;
  private listener: (() => void) | undefined;

  constructor(path: string, private readonly options: OutboxOptions) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(SCHEMA);
    const totals = this.db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM outbox").get() as { n: number; b: number };
    this.count = totals.n;
    this.bytes = totals.b;
  }

  /** Called after every successful append (the forwarder's wake-up). */
  onAppend(listener: () => void): void {
    this.listener = listener;
  }

  /** Mints ids, commits the events, then returns them. Throws only if SQLite fails. */
  append(events: NewEvent[]): ConnectorEvent[] {
    const stored: ConnectorEvent[] = [];
    const insert = this.db.prepare("INSERT INTO outbox (id, instance, body, bytes) VALUES (?, ?, ?, ?)");
    this.db.transaction(() => {
      for (const event of events) {
        const full: ConnectorEvent = { id: randomUUID(), ...event };
        const body = JSON.stringify(full);
        const size = Buffer.byteLength(body);
        if (size > this.options.maxEventBytes) {
          this.insertQuarantine(full.id, full.instance, body, `event of ${size} bytes exceeds the batch limit`);
          this.options.logger.error({ eventId: full.id, instance: full.instance, type: full.type, bytes: size }, "outbox: event too large to forward, quarantined");
          continue;
        }
        insert.run(full.id, full.instance, body, size);
        this.count += 1;
        this.bytes += size;
        stored.push(full);
      }
      this.enforceBound();
    })();
    if (stored.length > 0) this.listener?.();
    return stored;
  }

  /**
   * Oldest rows first, at most `maxEvents` and `maxBytes` (always at least one row if any);
   * `after` limits them to rows behind a seq and not of one instance (a poison-search probe).
   */
  peek(maxEvents: number, maxBytes: number, after?: { seq: number; otherThan?: string }): OutboxRow[] {
    const rows = this.db
      .prepare("SELECT seq, id, instance, body, bytes FROM outbox WHERE seq > ? AND instance <> ? ORDER BY seq LIMIT ?")
      .all(after?.seq ?? 0, after?.otherThan ?? "", maxEvents) as OutboxRow[];
    const batch: OutboxRow[] = [];
    let total = 0;
    for (const row of rows) {
      if (batch.length > 0 && total + row.bytes > maxBytes) break;
      batch.push(row);
      total += row.bytes + 1;
    }
    return batch;
  }

  remove(rows: OutboxRow[]): void {
    const del = this.db.prepare("DELETE FROM outbox WHERE seq = ?");
    this.db.transaction(() => {
      for (const row of rows) if (del.run(row.seq).changes > 0) this.forget(row.bytes);
    })();
  }

  /** Moves rows the worker rejected out of the way (kept for inspection, never resent). */
  quarantine(rows: OutboxRow[], reason: string, now = Date.now()): void {
    const del = this.db.prepare("DELETE FROM outbox WHERE seq = ?");
    this.db.transaction(() => {
      for (const row of rows) {
        this.insertQuarantine(row.id, row.instance, row.body, reason, now);
        if (del.run(row.seq).changes > 0) this.forget(row.bytes);
      }
      this.db.prepare("DELETE FROM quarantine WHERE seq NOT IN (SELECT seq FROM quarantine ORDER BY at DESC LIMIT ?)").run(QUARANTINE_KEEP);
    })();
  }

  quarantined(): { id: string; reason: string }[] {
    return this.db.prepare("SELECT id, reason FROM quarantine ORDER BY at, seq").all() as { id: string; reason: string }[];
  }

  pending(): { events: number; bytes: number } {
    return { events: this.count, bytes: this.bytes };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private forget(bytes: number): void {
    this.count -= 1;
    this.bytes -= bytes;
  }

  /**
   * A quarantine row gets its own rowid (seq NULL): keying it by time or by outbox seq let two
   * events quarantined in the same millisecond replace each other.
   */
  private insertQuarantine(id: string, instance: string, body: string, reason: string, now = Date.now()): void {
    this.db.prepare("INSERT INTO quarantine (seq, id, instance, body, reason, at) VALUES (NULL, ?, ?, ?, ?, ?)").run(id, instance, body, reason, now);
  }

  /** Drops the oldest rows beyond the bound; logs one warn line each time the bound is first hit. */
  private enforceBound(): void {
    const { maxEvents, maxBytes, logger } = this.options;
    if (this.count <= maxEvents && this.bytes <= maxBytes) {
      this.overflowing = false;
      return;
    }
    if (!this.overflowing) {
      logger.warn({ maxEvents, maxBytes, events: this.count, bytes: this.bytes }, "outbox: bound reached, dropping oldest events");
      this.overflowing = true;
    }
    const oldest = this.db.prepare("SELECT seq, bytes FROM outbox ORDER BY seq LIMIT 1000");
    const del = this.db.prepare("DELETE FROM outbox WHERE seq = ?");
    while (this.count > maxEvents || this.bytes > maxBytes) {
      const rows = oldest.all() as { seq: number; bytes: number }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (this.count <= maxEvents && this.bytes <= maxBytes) break;
        del.run(row.seq);
        this.forget(row.bytes);
      }
    }
  }
}
