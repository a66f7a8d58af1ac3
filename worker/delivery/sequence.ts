// Sequences (docs/delivery.md#sequences): every stored webhook event of an instance gets the next
// integer of that instance's stream, in the order the connector saw them. Here the events of one
// write are numbered -1, -2, … per instance (their order in the batch); the same transaction
// then adds the instance's counter (storage: sequenceStatements). Pure: no I/O.
import type { NewWebhookEvent } from "../storage/webhook-events.ts";

/** The events with provisional negative sequences, and how many each instance got. */
export function numberEvents(events: readonly NewWebhookEvent[]): { events: NewWebhookEvent[]; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const numbered = events.map((event) => {
    if (!event.instanceId) return { ...event, sequence: null };
    const n = (counts.get(event.instanceId) ?? 0) + 1;
    counts.set(event.instanceId, n);
    return { ...event, sequence: -n };
  });
  return { events: numbered, counts };
}
