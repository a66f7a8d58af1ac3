// Ingest's ownership fence (docs/protocol.md#ingest-authority): a batch's events are accepted only
// for instances its connector holds, at the epoch the registry has now. Refused events come back
// as the ingest 400 with their indexes, so the connector quarantines exactly those and resends the rest.
import type { Env } from "../env.ts";
import { ApiError } from "../errors.ts";
import { log } from "../log.ts";
import { ingestRejection } from "../../protocol/ingest-errors.ts";
import type { IngestEnvelope } from "../../protocol/envelope.ts";
import { fleetRegistry, type EventClaim, type RefusedClaim } from "./registry.ts";

const claimKey = (c: EventClaim) => `${c.epoch}:${c.instance}`;

const REASONS: Record<RefusedClaim["reason"], (c: EventClaim) => string> = {
  not_owner: (c) => `connector does not own instance ${c.instance}`,
  stale_epoch: (c) => `stale epoch ${c.epoch} for instance ${c.instance}`,
};

/** Throws the ingest 400 naming every event whose (instance, epoch) the envelope's connector may not speak for. */
export async function fenceEnvelope(env: Env, envelope: IngestEnvelope): Promise<void> {
  const claims = new Map<string, EventClaim>();
  for (const event of envelope.events) {
    const claim = { instance: event.instance, epoch: event.epoch ?? 0 };
    claims.set(claimKey(claim), claim);
  }
  const refused = await fleetRegistry(env).refusedClaims(envelope.connector, [...claims.values()]);
  if (refused.length === 0) return;
  const reasons = new Map(refused.map((r) => [claimKey(r), REASONS[r.reason](r)]));
  const issues = envelope.events.flatMap((event, index) => {
    const reason = reasons.get(claimKey({ instance: event.instance, epoch: event.epoch ?? 0 }));
    return reason ? [{ path: ["events", index, "epoch"], message: reason }] : [];
  });
  log.warn("ingest_refused_not_owner", { connector: envelope.connector, refused: refused.map((r) => `${r.instance}@${r.epoch}:${r.reason}`).slice(0, 20), events: issues.length });
  const { response, rejected } = ingestRejection(issues);
  throw new ApiError("BAD_REQUEST", response.message, { rejected });
}
