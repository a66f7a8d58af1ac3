// What one mapping module produces before map.ts stamps `sender` and the default `dateTime`.
// Pure: no I/O, no clock.
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import type { WebhookEventName } from "./names.ts";
import type { MappingContext } from "./types.ts";

export interface Emission {
  event: WebhookEventName;
  data: unknown;
  /** Set only when the payload carries its own time of occurrence; otherwise `event.at` is used. */
  dateTime?: string;
}

export type Mapper = (event: ConnectorEvent, ctx: MappingContext) => Emission[];

/**
 * Maps each item on its own: an item that is skipped (undefined) or makes `map` throw is
 * left out, so one strange payload element never costs the others (nor the batch).
 */
export function mapEach<T, R>(items: readonly T[], map: (item: T) => R | undefined): R[] {
  const out: R[] = [];
  for (const item of items) {
    try {
      const result = map(item);
      if (result !== undefined) out.push(result);
    } catch {
      // A malformed item is dropped; the rest of the payload still maps.
    }
  }
  return out;
}
