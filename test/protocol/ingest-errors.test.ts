// The ingest 400 contract from both ends: the worker builds it from real envelope validation
// issues, the connector reads back exactly the indexes of the events to quarantine.
import { describe, expect, it } from "vitest";
import { ingestEnvelopeSchema } from "../../protocol/envelope.ts";
import { ingestRejection, ingestRejectionSchema, rejectedIndexes } from "../../protocol/ingest-errors.ts";

const event = (n: number) => ({ id: `evt-${n}`, instance: "sales", type: "messages.upsert", at: 1_700_000_000_000 + n, payload: {} });

function rejectionFor(envelope: unknown) {
  const parsed = ingestEnvelopeSchema.safeParse(envelope);
  if (parsed.success) throw new Error("expected the envelope to be invalid");
  return ingestRejection(parsed.error.issues);
}

describe("ingest 400 body", () => {
  it("names the bad events of a real validation failure by index, and only those", () => {
    const events = [event(0), { ...event(1), id: "" }, event(2), { ...event(3), instance: "no spaces" }, event(4)];
    const body = rejectionFor({ connector: "conn-1", events });
    expect(ingestRejectionSchema.parse(body)).toEqual(body);
    expect(body.rejected.map((r) => [r.index, r.path])).toEqual([[1, "events.1.id"], [3, "events.3.instance"]]);
    expect(body.response.message).toEqual(body.rejected.map((r) => `${r.path}: ${r.message}`));
    expect(rejectedIndexes(JSON.stringify(body))).toEqual([1, 3]);
  });

  it("a malformed batch as a whole rejects no single event", () => {
    const body = rejectionFor({ connector: "conn-1", events: "not a list" });
    expect(body.rejected).toEqual([]);
    expect(body.response.message[0]).toMatch(/^events: /);
    expect(rejectedIndexes(JSON.stringify(body))).toEqual([]);
  });

  it("several problems in one event give its index once", () => {
    const body = rejectionFor({ connector: "conn-1", events: [event(0), { ...event(1), id: "", instance: "" }] });
    expect(body.rejected).toHaveLength(2);
    expect(rejectedIndexes(JSON.stringify(body))).toEqual([1]);
  });

  it("reads nothing from bodies that are not the contract (no guessing from text)", () => {
    for (const other of ["", "HTTP 413", "events.3.id: bad", JSON.stringify({ error: "bad", message: "events.2.payload: x" })]) {
      expect(rejectedIndexes(other)).toEqual([]);
    }
  });
});
