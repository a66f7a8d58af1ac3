// Finds the one event a worker keeps answering with 5xx (a "poison" event that crashes ingest)
// without ever quarantining anything because the worker is simply down. Pure state: no I/O, no
// clock; the forwarder asks it what to send next and tells it what happened.
import type { OutboxRow } from "./outbox.ts";

export type ServerErrorVerdict =
  /** Send the same batch again after the backoff. */
  | { action: "retry" }
  /** The batch failed `splitAfter` times in a row: send its first half next. */
  | { action: "split" }
  /** This event fails alone right after later events were accepted: quarantine it. */
  | { action: "quarantine"; row: OutboxRow };

/**
 * A batch that keeps failing is halved until one event fails alone (the suspect). Later events
 * of other instances are then sent first (the probe; every earlier event of theirs is already
 * delivered, so their order holds); only if the worker accepts those and still fails the
 * suspect right after is it poison. A worker that fails everything never accepts a probe, so
 * nothing is quarantined. Without other instances' events the probe takes the suspect's own
 * later events (they then arrive before it if it was not poison after all) rather than let
 * one event block its instance forever.
 */
export class PoisonSearch {
  private headSeq: number | undefined;
  private failures = 0;
  private suspect: OutboxRow | undefined;
  private probed = false;

  constructor(private readonly splitAfter: number) {}

  /** How many events the next batch may hold and, while probing, which events it must take. */
  nextPeek(batchLimit: number): { maxEvents: number; after?: { seq: number; otherThan: string } } {
    if (this.suspect && !this.probed) return { maxEvents: batchLimit, after: { seq: this.suspect.seq, otherThan: this.suspect.instance } };
    if (this.suspect) return { maxEvents: 1 };
    return { maxEvents: batchLimit };
  }

  onSent(batch: OutboxRow[]): void {
    const first = batch[0];
    // A later batch accepted while the suspect waits is the probe; anything else clears the search.
    if (this.suspect && !this.probed && first && first.seq > this.suspect.seq) this.probed = true;
    else this.reset();
  }

  onServerError(batch: OutboxRow[]): ServerErrorVerdict {
    const first = batch[0];
    if (!first) return { action: "retry" };
    if (this.suspect && first.seq > this.suspect.seq) return { action: "retry" }; // the probe failed too: the worker is down
    if (this.suspect && this.probed && first.seq === this.suspect.seq) {
      const row = this.suspect;
      this.reset();
      return { action: "quarantine", row };
    }
    if (first.seq !== this.headSeq) {
      this.headSeq = first.seq;
      this.failures = 0;
    }
    this.failures += 1;
    if (this.failures < this.splitAfter) return { action: "retry" };
    this.failures = 0;
    if (batch.length > 1) return { action: "split" };
    this.suspect = first;
    this.probed = false;
    return { action: "retry" };
  }

  reset(): void {
    this.headSeq = undefined;
    this.failures = 0;
    this.suspect = undefined;
    this.probed = false;
  }
}
