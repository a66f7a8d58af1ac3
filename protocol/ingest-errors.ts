// The ingest endpoint's 400 answer, defined once: the worker builds it from the envelope's
// validation issues, the connector reads the indexes of the events to quarantine from it
// (docs/protocol.md#ingest-answers). Keeps Evolution's error body and adds `rejected`. No I/O.
import { z } from "zod";

export const rejectedEventSchema = z.object({
  /** Position of the event in the batch's `events` array. */
  index: z.number().int().nonnegative(),
  /** Where in the event the problem is, e.g. `events.3.id`. */
  path: z.string(),
  message: z.string(),
});
export type RejectedEvent = z.infer<typeof rejectedEventSchema>;

export const ingestRejectionSchema = z.object({
  status: z.literal(400),
  error: z.literal("Bad Request"),
  /** One line per problem, `path: message` (the batch itself has the path `body`). */
  response: z.object({ message: z.array(z.string()) }),
  /** The problems that belong to one event; empty when the batch as a whole is malformed. */
  rejected: z.array(rejectedEventSchema),
});
export type IngestRejection = z.infer<typeof ingestRejectionSchema>;

export interface ValidationIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** The 400 body for these envelope validation issues. */
export function ingestRejection(issues: readonly ValidationIssue[]): IngestRejection {
  const lines = issues.map((issue) => ({ ...issue, where: issue.path.length ? issue.path.map(String).join(".") : "body" }));
  const rejected = lines.flatMap(({ path, where, message }) =>
    path[0] === "events" && typeof path[1] === "number" ? [{ index: path[1], path: where, message }] : []);
  return {
    status: 400,
    error: "Bad Request",
    response: { message: lines.map(({ where, message }) => `${where}: ${message}`) },
    rejected,
  };
}

/** The distinct event indexes a 400 body rejects, ascending; [] for any other body. */
export function rejectedIndexes(body: string): number[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  const parsed = ingestRejectionSchema.safeParse(json);
  if (!parsed.success) return [];
  return [...new Set(parsed.data.rejected.map((r) => r.index))].sort((a, b) => a - b);
}
