// Ingest of one connector batch (docs/delivery.md#ingest): dedup by event id, map, route, store everything in one
// db.batch, then enqueue. Two D1 round trips per request (the lookups in one batch, the write); the write batch is one
// transaction, so nothing is half-stored.
import type { Config, Env } from "../env.ts";
import { instanceStatePatch, mapConnectorEvent } from "../events/map.ts";
import type { InstanceStatePatch, MappedEvent } from "../events/types.ts";
import { log } from "../log.ts";
import type { ConnectorEvent, IngestEnvelope, IngestResponse } from "../../protocol/envelope.ts";
import { batchRows } from "../storage/db.ts";
import { isUniqueViolation, seenEventIdsStatement } from "../storage/ingested-events.ts";
import { storedPrefixesStatement } from "../storage/webhook-events.ts";
import { routingByNamesStatement, routingFromRows, type InstanceRouting, type InstanceUpdate } from "../storage/instances.ts";
import { storePipelineWrite, type PipelineWrite } from "./store.ts";
import { enqueueDeliveries } from "./enqueue.ts";
import { planRows } from "./plan.ts";
import { sourcedEventIdPrefix } from "./ids.ts";

/** Ingests a validated envelope; a concurrent duplicate of the same batch is retried once as duplicates. */
export async function ingestEnvelope(env: Env, config: Config, envelope: IngestEnvelope, now: number): Promise<IngestResponse> {
  try {
    return await ingestOnce(env, config, envelope, now);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return ingestOnce(env, config, envelope, now);
  }
}

/** Events whose id was neither stored before nor seen earlier in this batch. */
function splitDuplicates(events: ConnectorEvent[], seen: Set<string>): { fresh: ConnectorEvent[]; duplicates: number } {
  const fresh: ConnectorEvent[] = [];
  const inBatch = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id) || inBatch.has(event.id)) continue;
    inBatch.add(event.id);
    fresh.push(event);
  }
  return { fresh, duplicates: events.length - fresh.length };
}

/**
 * A mapper bug must not make the connector resend the batch forever: the event is accepted
 * (its id stored, nothing delivered) and logged here, once, with its id and type.
 */
function safeMap(event: ConnectorEvent): { mapped: MappedEvent[]; patch: InstanceStatePatch | undefined } {
  try {
    return { mapped: mapConnectorEvent(event, { instanceName: event.instance }), patch: instanceStatePatch(event) };
  } catch (error) {
    log.error("event_mapping_failed", { eventId: event.id, type: event.type, error: error instanceof Error ? error.message : String(error) });
    return { mapped: [], patch: undefined };
  }
}

function mergeUpdate(updates: Map<string, InstanceUpdate>, routing: InstanceRouting, connectorId: string, patch: InstanceStatePatch | undefined): void {
  const id = routing.instance.id;
  const current = updates.get(id) ?? { instanceId: id, connectorId, patch: {} };
  updates.set(id, { ...current, patch: { ...current.patch, ...patch } });
}

async function ingestOnce(env: Env, config: Config, envelope: IngestEnvelope, now: number): Promise<IngestResponse> {
  // The dedup check (events stored before, or accepted without webhook events) and the routing
  // lookup: one select each whatever the batch size, in one D1 round trip.
  const prefixOf = (e: ConnectorEvent) => sourcedEventIdPrefix(e.at, e.id);
  const [storedRows = [], acceptedRows = [], routingRows = []] = await batchRows(env.DB, [
    storedPrefixesStatement(envelope.events.map(prefixOf)),
    seenEventIdsStatement(envelope.events.map((e) => e.id)),
    routingByNamesStatement(envelope.events.map((e) => e.instance)),
  ]);
  const stored = new Set(storedRows.map(([prefix]) => prefix));
  const accepted = new Set(acceptedRows.map(([id]) => id));
  const routingByName = routingFromRows(routingRows);
  const seen = new Set(envelope.events.filter((e) => stored.has(prefixOf(e)) || accepted.has(e.id)).map((e) => e.id));
  const { fresh, duplicates } = splitDuplicates(envelope.events, seen);
  const write: PipelineWrite = { ingested: [], events: [], deliveries: [], instanceUpdates: [], now };
  const updates = new Map<string, InstanceUpdate>();
  let oversized = 0;
  for (const event of fresh) {
    const routing = routingByName.get(event.instance);
    const { mapped, patch } = safeMap(event);
    const origin = { instanceName: event.instance, instance: routing?.instance, webhooks: routing?.webhooks ?? [], sourceEventId: event.id, sourceAt: event.at };
    const rows = planRows(mapped, origin, config.globalWebhook, now);
    // An event that stores webhook events is remembered by their ids; only the others need a dedup row.
    if (!rows.events.length) write.ingested.push({ id: event.id, connectorId: envelope.connector, instanceName: event.instance, receivedAt: now });
    write.events.push(...rows.events);
    write.deliveries.push(...rows.deliveries);
    oversized += rows.oversized;
    if (routing) mergeUpdate(updates, routing, envelope.connector, patch);
  }
  write.instanceUpdates = [...updates.values()];
  await storePipelineWrite(env.DB, write);
  if (oversized) log.warn("events_too_large_dropped", { count: oversized, connector: envelope.connector });
  await enqueueDeliveries(env.DELIVERY_QUEUE, write.deliveries.map((d) => d.id));
  log.info("ingest_batch", { connector: envelope.connector, accepted: fresh.length, duplicates, deliveries: write.deliveries.length });
  return { accepted: fresh.length, duplicates };
}
