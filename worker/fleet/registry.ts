// FleetRegistry: the one Durable Object that knows which connector owns which instance
// (docs/decisions.md#one-registry-durable-object-for-ownership). SQLite tables `connectors` and
// `owners`; every hand-over raises the instance's epoch (its fencing token); an alarm at the
// earliest lease expiry moves a silent connector's instances to live ones. No WebSockets here.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import type { Assignment } from "../../protocol/fleet.ts";
import { pickConnector, type Candidate } from "./placement.ts";
import { DEFAULT_CAPACITY, LEASE_MS } from "./timing.ts";

export interface Owner {
  connectorId: string;
  epoch: number;
  leaseUntil: number;
}

export interface ConnectorInfo {
  id: string;
  version: string;
  live: boolean;
  capacity: number;
  instances: number;
  lastSeenAt: number;
  draining: boolean;
}

export type OwnerCheck = "ok" | "not_owner" | "stale_epoch" | "lease_expired";

/** An event batch's claim: `connector` speaks for `instance` at `epoch`. */
export interface EventClaim {
  instance: string;
  epoch: number;
}
export type RefusedClaim = EventClaim & { reason: "not_owner" | "stale_epoch" };

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS connectors (
     id TEXT PRIMARY KEY, version TEXT NOT NULL, capacity INTEGER NOT NULL,
     live INTEGER NOT NULL, lease_until INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, draining INTEGER NOT NULL DEFAULT 0)`,
  // epoch survives the owner: a released or orphaned instance keeps its last epoch, so the next owner's is higher.
  `CREATE TABLE IF NOT EXISTS owners (
     instance TEXT PRIMARY KEY, connector_id TEXT, epoch INTEGER NOT NULL, lease_until INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS owners_by_connector ON owners (connector_id)`,
  // Ciphertext only (AES-256-GCM under a key only connectors hold); `ts` orders writes.
  `CREATE TABLE IF NOT EXISTS credentials (instance TEXT PRIMARY KEY, epoch INTEGER NOT NULL, ts INTEGER NOT NULL, blob TEXT NOT NULL)`,
];

type OwnerRow = { instance: string; connector_id: string | null; epoch: number; lease_until: number; last_owner: string | null };
type ConnectorRow = { id: string; version: string; capacity: number; live: number; lease_until: number; last_seen_at: number; draining: number };

/** The registry's stub (one object, named "fleet"). */
export function fleetRegistry(env: Env): DurableObjectStub<FleetRegistry> {
  const ns = env.FLEET as unknown as DurableObjectNamespace<FleetRegistry>;
  return ns.get(ns.idFromName("fleet"));
}

/** Each connector that gained instances gets its new assignment list from its hub. */
export async function notifyHubs(env: Env, connectorIds: string[]): Promise<void> {
  const hubs = env.CONNECTOR_HUB as DurableObjectNamespace;
  await Promise.all(connectorIds.map(async (id) => {
    try {
      const res = await hubs.get(hubs.idFromName(id)).fetch("https://hub/push-assignments", { method: "POST" });
      await res.body?.cancel();
    } catch (error) {
      log.warn("fleet_push_failed", { connector: id, error: error instanceof Error ? error.message : String(error) });
    }
  }));
}

export class FleetRegistry extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const statement of SCHEMA) this.sql.exec(statement);
    // Added after the first deploy: the connector that held an orphan last (it may take it back at the same epoch).
    const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(owners)").toArray();
    if (!columns.some((c) => c.name === "last_owner")) this.sql.exec("ALTER TABLE owners ADD COLUMN last_owner TEXT");
  }

  /** A connector's socket was accepted: it is live with a fresh lease; orphans go to it. Returns what it owns. */
  async connectorUp(id: string, version: string, capacity: number | undefined, now: number): Promise<Assignment[]> {
    const leaseUntil = now + LEASE_MS;
    this.sql.exec(
      `INSERT INTO connectors (id, version, capacity, live, lease_until, last_seen_at, draining) VALUES (?, ?, ?, 1, ?, ?, 0)
       ON CONFLICT(id) DO UPDATE SET version = excluded.version, capacity = excluded.capacity, live = 1,
         lease_until = excluded.lease_until, last_seen_at = excluded.last_seen_at, draining = 0`,
      id, version, capacity ?? DEFAULT_CAPACITY, leaseUntil, now,
    );
    this.sql.exec("UPDATE owners SET lease_until = ? WHERE connector_id = ?", leaseUntil, id);
    this.adoptOrphans(now);
    await this.scheduleAlarm();
    return this.assignments(id);
  }

  /** Extends a live connector's lease; false when it had already expired (its instances moved on). */
  async renew(id: string, now: number): Promise<boolean> {
    const row = this.connector(id);
    if (!row || !row.live || row.lease_until < now) return false;
    const leaseUntil = now + LEASE_MS;
    this.sql.exec("UPDATE connectors SET lease_until = ?, last_seen_at = ? WHERE id = ?", leaseUntil, now, id);
    this.sql.exec("UPDATE owners SET lease_until = ? WHERE connector_id = ?", leaseUntil, id);
    await this.scheduleAlarm();
    return true;
  }

  /** The socket closed: no new placements; the lease runs out by itself, so a quick reconnect keeps everything. */
  async connectorDown(id: string, now: number): Promise<void> {
    this.sql.exec("UPDATE connectors SET live = 0, last_seen_at = ? WHERE id = ?", now, id);
  }

  /** The current owner of `instance` while its lease holds. */
  async owner(instance: string, now: number): Promise<Owner | undefined> {
    const row = this.ownerRow(instance);
    if (!row?.connector_id || row.lease_until < now) return undefined;
    return { connectorId: row.connector_id, epoch: row.epoch, leaseUntil: row.lease_until };
  }

  /** The owner, or a new one (epoch + 1) on the live connector with the most free room; undefined when none has room. */
  async place(instance: string, now: number): Promise<Owner | undefined> {
    const current = await this.owner(instance, now);
    if (current) return current;
    const target = pickConnector(this.candidates(now));
    if (!target) return undefined;
    const owner = this.assign(instance, target.id, now);
    await this.scheduleAlarm();
    return owner;
  }

  /** Whether `connectorId` at `epoch` may speak for `instance` now (ingest, credential writes). */
  async check(instance: string, connectorId: string, epoch: number, now: number): Promise<OwnerCheck> {
    const row = this.ownerRow(instance);
    if (!row || row.connector_id !== connectorId) return "not_owner";
    if (row.epoch !== epoch) return "stale_epoch";
    return row.lease_until < now ? "lease_expired" : "ok";
  }

  /** The instance was deleted: forget its owner and its credentials (its epoch is kept, so a recreated name starts higher). */
  async forget(instance: string): Promise<void> {
    this.sql.exec("UPDATE owners SET connector_id = NULL, last_owner = NULL, lease_until = 0 WHERE instance = ?", instance);
    this.sql.exec("DELETE FROM credentials WHERE instance = ?", instance);
  }

  /** Stores the owner's encrypted auth state; refused for anyone but the owner at its epoch, and for an older write. */
  async putCredentials(instance: string, connectorId: string, epoch: number, ts: number, blob: string | null, now: number): Promise<OwnerCheck | "older_write"> {
    const check = await this.check(instance, connectorId, epoch, now);
    if (check !== "ok") return check;
    const stored = this.sql.exec<{ ts: number; epoch: number }>("SELECT ts, epoch FROM credentials WHERE instance = ?", instance).toArray()[0];
    if (stored && stored.epoch === epoch && stored.ts > ts) return "older_write";
    if (blob === null) this.sql.exec("DELETE FROM credentials WHERE instance = ?", instance);
    else this.sql.exec("INSERT OR REPLACE INTO credentials (instance, epoch, ts, blob) VALUES (?, ?, ?, ?)", instance, epoch, ts, blob);
    return "ok";
  }

  /** The encrypted auth state, for the owner at its epoch only. */
  async getCredentials(instance: string, connectorId: string, epoch: number, now: number): Promise<{ check: OwnerCheck; blob: string | null }> {
    const check = await this.check(instance, connectorId, epoch, now);
    if (check !== "ok") return { check, blob: null };
    const row = this.sql.exec<{ blob: string }>("SELECT blob FROM credentials WHERE instance = ?", instance).toArray()[0];
    return { check, blob: row?.blob ?? null };
  }

  /**
   * Ingest's fence: the claims refused for `connectorId`. An event is accepted only from the instance's
   * holder (its owner, or the last owner of an orphan nobody took since) at its current epoch; an
   * expired lease alone does not refuse it, since nobody else can have run the instance meanwhile.
   */
  async refusedClaims(connectorId: string, claims: EventClaim[]): Promise<RefusedClaim[]> {
    const refused: RefusedClaim[] = [];
    for (const claim of claims) {
      const row = this.ownerRow(claim.instance);
      const holder = row?.connector_id ?? row?.last_owner ?? undefined;
      if (!row || holder !== connectorId) refused.push({ ...claim, reason: "not_owner" });
      else if (row.epoch !== claim.epoch) refused.push({ ...claim, reason: "stale_epoch" });
    }
    return refused;
  }

  /** Owners (while their leases hold) of the named instances; absent names have none. */
  async ownersOf(instances: string[], now: number): Promise<Record<string, string>> {
    const owners: Record<string, string> = {};
    for (const row of this.sql.exec<OwnerRow>("SELECT * FROM owners WHERE connector_id IS NOT NULL AND lease_until >= ?", now)) {
      if (row.connector_id) owners[row.instance] = row.connector_id;
    }
    const wanted = new Set(instances);
    return Object.fromEntries(Object.entries(owners).filter(([name]) => wanted.has(name)));
  }

  async assignments(connectorId: string): Promise<Assignment[]> {
    return this.sql
      .exec<{ instance: string; epoch: number }>("SELECT instance, epoch FROM owners WHERE connector_id = ? ORDER BY instance", connectorId)
      .toArray();
  }

  async connectors(now: number): Promise<ConnectorInfo[]> {
    const counts = new Map(this.sql.exec<{ connector_id: string; n: number }>("SELECT connector_id, COUNT(*) AS n FROM owners WHERE connector_id IS NOT NULL GROUP BY connector_id").toArray().map((r) => [r.connector_id, r.n]));
    return this.sql.exec<ConnectorRow>("SELECT * FROM connectors ORDER BY id").toArray().map((r) => ({
      id: r.id,
      version: r.version,
      live: r.live === 1 && r.lease_until >= now,
      capacity: r.capacity,
      instances: counts.get(r.id) ?? 0,
      lastSeenAt: r.last_seen_at,
      draining: r.draining === 1,
    }));
  }

  /** Moves every instance whose lease ran out to a live connector; returns the connectors that gained some. */
  async expire(now: number): Promise<string[]> {
    const expired = this.sql.exec<{ id: string }>("SELECT id FROM connectors WHERE live = 1 AND lease_until < ?", now).toArray();
    for (const { id } of expired) this.sql.exec("UPDATE connectors SET live = 0 WHERE id = ?", id);
    const stranded = this.sql.exec<OwnerRow>("SELECT * FROM owners WHERE connector_id IS NOT NULL AND lease_until < ? ORDER BY instance", now).toArray();
    return this.moveAway(stranded, now);
  }

  /**
   * A connector shutting down (SIGTERM) has closed its WhatsApp sockets and pushed its credentials:
   * its instances move to the live connectors now, without waiting for the lease. Returns the gainers.
   */
  async drain(connectorId: string, now: number): Promise<string[]> {
    this.sql.exec("UPDATE connectors SET live = 0, draining = 1, last_seen_at = ? WHERE id = ?", now, connectorId);
    const owned = this.sql.exec<OwnerRow>("SELECT * FROM owners WHERE connector_id = ? ORDER BY instance", connectorId).toArray();
    const gained = this.moveAway(owned, now);
    await this.scheduleAlarm();
    return gained;
  }

  private moveAway(stranded: OwnerRow[], now: number): string[] {
    const gained = new Set<string>();
    for (const row of stranded) {
      const target = pickConnector(this.candidates(now), row.connector_id ?? undefined);
      if (target) {
        this.assign(row.instance, target.id, now);
        gained.add(target.id);
      } else {
        // No room anywhere: orphaned (no commands, no credential access), placed when a connector appears. The epoch
        // stays: if the same connector comes back it keeps it and its outbox still counts; anyone else gets epoch + 1.
        this.sql.exec("UPDATE owners SET last_owner = connector_id, connector_id = NULL, lease_until = ? WHERE instance = ?", now, row.instance);
      }
      log.warn("fleet_failover", { instance: row.instance, from: row.connector_id, to: target?.id ?? null });
    }
    return [...gained];
  }

  override async alarm(): Promise<void> {
    await notifyHubs(this.env, await this.expire(Date.now()));
    await this.scheduleAlarm();
  }

  private assign(instance: string, connectorId: string, now: number): Owner {
    const leaseUntil = this.connector(connectorId)?.lease_until ?? now + LEASE_MS;
    const row = this.sql
      .exec<{ epoch: number }>(
        `INSERT INTO owners (instance, connector_id, epoch, lease_until, last_owner) VALUES (?, ?, 1, ?, ?)
         ON CONFLICT(instance) DO UPDATE SET connector_id = excluded.connector_id, last_owner = excluded.connector_id,
           epoch = CASE WHEN owners.connector_id IS NULL AND owners.last_owner = excluded.connector_id THEN owners.epoch ELSE owners.epoch + 1 END,
           lease_until = excluded.lease_until
         RETURNING epoch`,
        instance, connectorId, leaseUntil, connectorId,
      )
      .one();
    return { connectorId, epoch: row.epoch, leaseUntil };
  }

  private adoptOrphans(now: number): void {
    const orphans = this.sql.exec<{ instance: string }>("SELECT instance FROM owners WHERE connector_id IS NULL AND lease_until > 0 ORDER BY instance").toArray();
    for (const { instance } of orphans) {
      const target = pickConnector(this.candidates(now));
      if (!target) return;
      this.assign(instance, target.id, now);
    }
  }

  private candidates(now: number): Candidate[] {
    return this.sql
      .exec<{ id: string; capacity: number; owned: number }>(
        `SELECT c.id, c.capacity, (SELECT COUNT(*) FROM owners o WHERE o.connector_id = c.id) AS owned
         FROM connectors c WHERE c.live = 1 AND c.draining = 0 AND c.lease_until >= ?`,
        now,
      )
      .toArray();
  }

  private connector(id: string): ConnectorRow | undefined {
    return this.sql.exec<ConnectorRow>("SELECT * FROM connectors WHERE id = ?", id).toArray()[0];
  }

  private ownerRow(instance: string): OwnerRow | undefined {
    return this.sql.exec<OwnerRow>("SELECT * FROM owners WHERE instance = ?", instance).toArray()[0];
  }

  private async scheduleAlarm(): Promise<void> {
    const next = this.sql.exec<{ t: number | null }>("SELECT MIN(lease_until) AS t FROM owners WHERE connector_id IS NOT NULL").one().t;
    const connectorNext = this.sql.exec<{ t: number | null }>("SELECT MIN(lease_until) AS t FROM connectors WHERE live = 1").one().t;
    const at = Math.min(next ?? Infinity, connectorNext ?? Infinity);
    if (!Number.isFinite(at)) return;
    const current = await this.ctx.storage.getAlarm();
    // One alarm just past the earliest expiry; renewals push expiries later, and the alarm rearms itself then.
    if (current === null || current > at + 1) await this.ctx.storage.setAlarm(at + 1);
  }
}
