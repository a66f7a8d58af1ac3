// WhatsApp credentials and Signal keys per instance in SQLite (better-sqlite3, WAL): one `creds`
// row and many `signal_keys` rows per instance, values as BufferJSON text. A multi-key `set`
// is one transaction. Holds secrets: never log values.
import Database from "better-sqlite3";
import {
  BufferJSON,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { connectorSettingsSchema, type ConnectorSettings } from "../protocol/commands.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS creds (
  instance TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signal_keys (
  instance TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (instance, type, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS instance_settings (
  instance TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** SQLite's default host-parameter limit is high, but chunk so huge prekey lookups stay cheap. */
const ID_CHUNK = 400;

const serialize = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer);
const deserialize = (text: string): unknown => JSON.parse(text, BufferJSON.reviver);

/** Paired means the phone accepted this device: `me` alone can be left by an abandoned pairing-code attempt. */
export function isPaired(creds: AuthenticationCreds): boolean {
  return Boolean(creds.me?.id && creds.account);
}

/** One instance's stored auth state as raw rows (what credential write-through copies). */
export type AuthSnapshot = { creds: string; keys: [type: string, id: string, value: string][] };

export class SqliteAuthStore {
  private readonly db: Database.Database;
  /** Told after every write or wipe of an instance's state (connector/remote-auth.ts). */
  onChange: ((instance: string, kind: "write" | "wipe") => void) | undefined;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA);
  }

  loadCreds(instance: string): AuthenticationCreds | undefined {
    const row = this.db.prepare("SELECT value FROM creds WHERE instance = ?").get(instance) as { value: string } | undefined;
    return row ? (deserialize(row.value) as AuthenticationCreds) : undefined;
  }

  saveCreds(instance: string, creds: AuthenticationCreds, now = Date.now()): void {
    this.db
      .prepare("INSERT INTO creds (instance, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(instance) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
      .run(instance, serialize(creds), now);
    this.onChange?.(instance, "write");
  }

  /** Instances whose saved credentials belong to a paired device (restored on start). */
  pairedInstances(): string[] {
    const rows = this.db.prepare("SELECT instance FROM creds ORDER BY instance").all() as { instance: string }[];
    return rows.map((r) => r.instance).filter((name) => {
      const creds = this.loadCreds(name);
      return creds !== undefined && isPaired(creds);
    });
  }

  /** Deletes the instance's creds and every key in one transaction. */
  wipe(instance: string): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM creds WHERE instance = ?").run(instance);
      this.db.prepare("DELETE FROM signal_keys WHERE instance = ?").run(instance);
    })();
    this.onChange?.(instance, "wipe");
  }

  /** The instance's rows as they are stored, or undefined without creds. */
  snapshot(instance: string): AuthSnapshot | undefined {
    const creds = this.db.prepare("SELECT value FROM creds WHERE instance = ?").get(instance) as { value: string } | undefined;
    if (!creds) return undefined;
    const keys = this.db.prepare("SELECT type, id, value FROM signal_keys WHERE instance = ?").raw().all(instance) as [string, string, string][];
    return { creds: creds.value, keys };
  }

  /** Replaces the instance's rows with a snapshot, in one transaction (no change notification). */
  restore(instance: string, snapshot: AuthSnapshot, now = Date.now()): void {
    const insertKey = this.db.prepare("INSERT INTO signal_keys (instance, type, id, value) VALUES (?, ?, ?, ?)");
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM creds WHERE instance = ?").run(instance);
      this.db.prepare("DELETE FROM signal_keys WHERE instance = ?").run(instance);
      this.db.prepare("INSERT INTO creds (instance, value, updated_at) VALUES (?, ?, ?)").run(instance, snapshot.creds, now);
      for (const [type, id, value] of snapshot.keys) insertKey.run(instance, type, id, value);
    })();
  }

  /** The instance's settings as last pushed by the worker; kept across logouts (like Evolution) and restarts. */
  loadSettings(instance: string): ConnectorSettings | undefined {
    const row = this.db.prepare("SELECT value FROM instance_settings WHERE instance = ?").get(instance) as { value: string } | undefined;
    if (!row) return undefined;
    const parsed = connectorSettingsSchema.safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : undefined;
  }

  saveSettings(instance: string, settings: ConnectorSettings): void {
    this.db
      .prepare("INSERT INTO instance_settings (instance, value) VALUES (?, ?) ON CONFLICT(instance) DO UPDATE SET value = excluded.value")
      .run(instance, JSON.stringify(settings));
  }

  forgetSettings(instance: string): void {
    this.db.prepare("DELETE FROM instance_settings WHERE instance = ?").run(instance);
  }

  /** The raw (uncached) Signal key store of one instance. */
  keyStore(instance: string): SignalKeyStore {
    return {
      get: (type, ids) => this.getKeys(instance, type, ids),
      set: (data) => this.setKeys(instance, data),
      clear: () => {
        this.db.prepare("DELETE FROM signal_keys WHERE instance = ?").run(instance);
      },
    };
  }

  /** Auth state for a socket: saved creds (or fresh ones, saved now) and a per-instance key cache. */
  authState(instance: string, logger: Logger): AuthenticationState {
    let creds = this.loadCreds(instance);
    if (!creds) {
      creds = initAuthCreds();
      this.saveCreds(instance, creds);
    }
    return { creds, keys: makeCacheableSignalKeyStore(this.keyStore(instance), logger) };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private getKeys<T extends keyof SignalDataTypeMap>(instance: string, type: T, ids: string[]): { [id: string]: SignalDataTypeMap[T] } {
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const placeholders = chunk.map(() => "?").join(",");
      const rows = this.db
        .prepare(`SELECT id, value FROM signal_keys WHERE instance = ? AND type = ? AND id IN (${placeholders})`)
        .all(instance, type, ...chunk) as { id: string; value: string }[];
      for (const row of rows) {
        let value = deserialize(row.value);
        if (type === "app-state-sync-key" && value) value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
        result[row.id] = value as SignalDataTypeMap[T];
      }
    }
    return result;
  }

  private setKeys(instance: string, data: SignalDataSet): void {
    const upsert = this.db.prepare(
      "INSERT INTO signal_keys (instance, type, id, value) VALUES (?, ?, ?, ?) ON CONFLICT(instance, type, id) DO UPDATE SET value = excluded.value",
    );
    const remove = this.db.prepare("DELETE FROM signal_keys WHERE instance = ? AND type = ? AND id = ?");
    this.db.transaction(() => {
      for (const [type, entries] of Object.entries(data)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) remove.run(instance, type, id);
          else upsert.run(instance, type, id, serialize(value));
        }
      }
    })();
    this.onChange?.(instance, "write");
  }
}
