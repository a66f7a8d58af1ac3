// The connector → worker ingest envelope (docs/protocol.md#envelope), defined once: the worker validates with it,
// the connector builds batches with it. zod only; no I/O.
import { z } from "zod";
import { instanceNameProblem } from "./instance.ts";
export const MAX_EVENTS_PER_BATCH = 500;
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;
/**
 * The worker keeps a webhook event's data in one D1 row, capped at MAX_STORED_DATA_BYTES.
 * The connector splits every event so that its payload's JSON stays under
 * MAX_EVENT_PAYLOAD_BYTES (history into chunks, upserts into fewer messages): mapping adds at
 * most a few dozen bytes per item, so the mapped data of such a payload always fits.
 */
export const MAX_STORED_DATA_BYTES = 1_800_000;
export const MAX_EVENT_PAYLOAD_BYTES = 1_200_000;
/** Largest media the connector attaches as base64 (4/3 larger) while its event stays under MAX_EVENT_PAYLOAD_BYTES. */
export const MAX_MEDIA_BASE64_SOURCE_BYTES = Math.floor(((MAX_EVENT_PAYLOAD_BYTES - 100_000) * 3) / 4);

export const instanceNameSchema = z
  .string({ error: "must be a string" })
  .check((ctx) => {
    const problem = instanceNameProblem(ctx.value);
    if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
  });

export const connectorEventSchema = z.object({
  /** Unique per event and stable across resends (the worker dedups by it). */
  id: z.string().min(1).max(64),
  instance: instanceNameSchema,
  /** Baileys event name (`messages.upsert`, …) or a connector event (`connector.startup`, `message.sent`). */
  type: z.string().min(1).max(64),
  /** When the event happened, ms since epoch. */
  at: z.number().int().nonnegative(),
  /** The instance's own account, when known. */
  me: z.object({ id: z.string().min(1), name: z.string().nullish() }).nullish(),
  /** The Baileys payload made JSON-safe (bytes → base64, Long → number, Date → ISO). */
  payload: z.unknown(),
  /**
   * The epoch the connector held the instance at when the event happened (docs/protocol.md#ownership-and-epochs).
   * The worker accepts an event only from the instance's owner at its current epoch; missing counts as 0 (refused).
   */
  epoch: z.number().int().nonnegative().optional(),
});

export const ingestEnvelopeSchema = z.object({
  connector: z.string().min(1).max(64),
  events: z.array(connectorEventSchema).min(1).max(MAX_EVENTS_PER_BATCH),
});

export const ingestResponseSchema = z.object({ accepted: z.number().int(), duplicates: z.number().int() });

export type ConnectorEvent = z.infer<typeof connectorEventSchema>;
export type IngestEnvelope = z.infer<typeof ingestEnvelopeSchema>;
export type IngestResponse = z.infer<typeof ingestResponseSchema>;

export const INGEST_PATH = "/connector/v1/events";
