// Fleet drills (docs/testing.md#drills): three real connector processes share paired instances on
// the fake WhatsApp server. `connector-failover` SIGKILLs the connector owning the most and times
// kill → open elsewhere (no QR) for each of its instances; `connector-drain` SIGTERMs one while
// inbound messages keep arriving, and every message must reach the receiver (0 lost).
import { busiest, startFleet, type Fleet, type FleetInstance } from "../lib/fleet-run.ts";
import { percentile } from "../lib/stats.ts";
import type { DrillResult } from "./harness.ts";

const CONNECTORS = ["fleet-a", "fleet-b", "fleet-c"];
/** The bound: every instance of a killed connector is open elsewhere within 90 s. */
export const FAILOVER_BOUND_MS = 90_000;

export interface FailoverOutcome {
  victim: string;
  moved: string[];
  /** ms from the SIGKILL to open on another connector, per moved instance. */
  failoverMs: number[];
  /** Inbound message ids sent to the moved instances after they opened, and those delivered. */
  sent: string[];
  delivered: string[];
  doubleLogins: number;
}

/** Pairs `instances`, SIGKILLs the busiest connector, waits for its instances elsewhere, sends one inbound message to each. */
export async function runFailover(fleet: Fleet, instances: number): Promise<FailoverOutcome> {
  const paired = await fleet.pair(instances, "failover");
  // Credential write-through is debounced (500 ms): let the last writes land, as they would in service.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const victim = busiest(await fleet.owners(), CONNECTORS);
  const killedAt = Date.now();
  await fleet.connectors.get(victim.id)!.stop("SIGKILL");
  const failoverMs = await Promise.all(victim.instances.map((name) => fleet.openElsewhere(name, victim.id, killedAt, FAILOVER_BOUND_MS + 10_000)));
  const moved = paired.filter((p) => victim.instances.includes(p.name));
  const sent = await sendAll(fleet, moved, "after the failover");
  await fleet.receiver.waitForEvents(fleet.receiver.firstAcceptedAt.size + sent.length, 30_000);
  const delivered = sent.filter((id) => fleet.receiver.firstAcceptedAt.has(id));
  return { victim: victim.id, moved: victim.instances, failoverMs, sent, delivered, doubleLogins: fleet.wa.server.doubleLogins.length };
}

async function sendAll(fleet: Fleet, to: FleetInstance[], text: string): Promise<string[]> {
  const ids: string[] = [];
  for (const instance of to) ids.push(await fleet.inbound(instance, `${text} (${instance.name})`));
  return ids;
}

function result(name: string, started: number, sent: string[], fleet: Fleet, notes: string[], failure?: string): DrillResult {
  const stats = fleet.receiver.stats();
  const delivered = sent.filter((id) => fleet.receiver.firstAcceptedAt.has(id)).length;
  const doubleLogins = fleet.wa.server.doubleLogins.length;
  if (doubleLogins > 0) notes.push(`FAIL: ${doubleLogins} double login(s) on the fake WhatsApp server`);
  if (failure) notes.push(`FAIL: ${failure}`);
  return {
    name,
    ok: !failure && delivered === sent.length && doubleLogins === 0 && stats.duplicateEvents === 0,
    sent: sent.length,
    delivered,
    lost: sent.length - delivered,
    duplicateEvents: stats.duplicateEvents,
    duplicateWebhookIds: stats.duplicateWebhookIds,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    notes,
  };
}

/**
 * One fleet drill on its own fleet: `body` fills `run.sent` and `run.notes` and returns a failure,
 * if any (a throw is one too); the result is read before the fleet is closed, which happens whatever.
 */
async function fleetDrill(name: string, label: string, body: (fleet: Fleet, run: { sent: string[]; notes: string[] }) => Promise<string | undefined>): Promise<DrillResult> {
  const started = Date.now();
  const fleet = await startFleet(label, CONNECTORS);
  const run = { sent: [] as string[], notes: [] as string[] };
  let failure: string | undefined;
  try {
    failure = await body(fleet, run);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  try {
    return result(name, started, run.sent, fleet, run.notes, failure);
  } finally {
    await fleet.close();
  }
}

export function connectorFailover(): Promise<DrillResult> {
  return fleetDrill("connector-failover", "drill-failover", async (fleet, { sent, notes }) => {
    const outcome = await runFailover(fleet, 6);
    const rtt = await fleet.roundTrips(outcome.moved[0]!, 50);
    notes.push(`command round trip (GET connectionState: worker → hub → socket → connector → signed answer) p50 ${rtt.command.p50} ms, p95 ${rtt.command.p95} ms; the same worker without a command (GET settings/find, D1 only) p50 ${rtt.d1Only.p50} ms, p95 ${rtt.d1Only.p95} ms`);
    sent.push(...outcome.sent);
    const sorted = [...outcome.failoverMs].sort((a, b) => a - b);
    notes.push(`SIGKILLed ${outcome.victim} (${outcome.moved.length} of 6 instances); kill → open elsewhere without a QR: median ${percentile(sorted, 50)} ms, max ${sorted.at(-1)} ms (bound ${FAILOVER_BOUND_MS} ms)`);
    return (sorted.at(-1) ?? 0) > FAILOVER_BOUND_MS ? `an instance took ${sorted.at(-1)} ms to open elsewhere` : undefined;
  });
}

/** SIGTERM while inbound messages keep arriving: the drain hands the instances on and none is lost. */
export function connectorDrain(): Promise<DrillResult> {
  return fleetDrill("connector-drain", "drill-drain", async (fleet, { sent, notes }) => {
    const paired = await fleet.pair(6, "drain");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const victim = busiest(await fleet.owners(), CONNECTORS);
    const targets = paired.filter((p) => victim.instances.includes(p.name));
    let sending = true;
    const stream = (async () => {
      for (let n = 0; sending; n++) {
        for (const instance of targets) sent.push(await fleet.inbound(instance, `drain stream ${n}`));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const termAt = Date.now();
    const stopped = fleet.connectors.get(victim.id)!.stop("SIGTERM", 30_000);
    const moveMs = await Promise.all(victim.instances.map((name) => fleet.openElsewhere(name, victim.id, termAt, 60_000)));
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    sending = false;
    await stream;
    await fleet.receiver.waitForEvents(sent.length, 60_000, 20_000);
    notes.push(`SIGTERM to ${victim.id} while ${targets.length} instance(s) received messages; open elsewhere after max ${Math.max(...moveMs)} ms`);
    return undefined;
  });
}
