// Records a consumer batch's outcomes as they come, in small groups (docs/delivery.md#consumer),
// so a worker that dies mid-batch re-sends at most UNRECORDED_LIMIT deliveries it had already
// made. Same rows written as one write at the end; only the number of round trips grows.
import type { SettledAttempt } from "../storage/deliveries.ts";
import type { WebhookKey } from "../storage/webhooks.ts";
import type { BatchSettlement } from "./store.ts";

/** At most this many deliveries of one batch are started or sent but not yet recorded. */
export const UNRECORDED_LIMIT = 25;
/**
 * A group is written once it holds this many outcomes: every slot. Fewer, larger groups beat
 * lanes kept busy during a write: locally each D1 round trip costs the one workerd thread about
 * a millisecond, and groups of 19 (six slots left to keep the lanes sending while a group is
 * written) delivered less than full groups (BENCHMARKS.md).
 */
export const RECORD_GROUP_SIZE = UNRECORDED_LIMIT;

export type RecordFn = (settlement: BatchSettlement) => Promise<void>;

const emptyGroup = (): BatchSettlement => ({ attempts: [], unsendable: [], disableWebhooksOf: [], now: 0 });

export class OutcomeRecorder {
  private group = emptyGroup();
  private grouped = 0;
  /** Slots taken: deliveries started (or finished) whose outcome is not written yet. */
  private unrecorded = 0;
  private waiters: (() => void)[] = [];
  private chain: Promise<void> = Promise.resolve();
  /** Group writes queued or running. */
  private writing = 0;
  private error: unknown;
  private readonly added = new Set<string>();
  readonly totals = { attempts: [] as SettledAttempt["attempt"]["outcome"][], unsendable: 0, writes: 0, recordMs: 0 };

  constructor(private readonly record: RecordFn, private readonly now: () => number, private readonly limit = UNRECORDED_LIMIT, private readonly groupSize = RECORD_GROUP_SIZE) {}

  /** Waits for a free slot before a send may start; false once a write failed (stop sending). */
  async acquire(): Promise<boolean> {
    while (this.unrecorded >= this.limit && !this.error) {
      // Out of slots: write what is grouped, unless a write is under way (its end frees slots
      // and wakes us) or a send still runs (its outcome completes the group, which is then
      // written). Flushing earlier would only make more, smaller groups.
      if (!this.writing && this.unrecorded === this.grouped) this.flush();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.error) return false;
    this.unrecorded += 1;
    return true;
  }

  /** A started delivery that has nothing to record (not sent after all, or an unexpected error). */
  release(deliveryId: string): void {
    if (this.added.has(deliveryId)) return; // its slot is freed when its group is written
    this.unrecorded -= 1;
    this.wake();
  }

  addAttempt(settled: SettledAttempt, disableWebhookOf?: WebhookKey): void {
    this.group.attempts.push(settled);
    if (disableWebhookOf) this.group.disableWebhooksOf.push(disableWebhookOf);
    this.totals.attempts.push(settled.attempt.outcome);
    this.grow(settled.deliveryId);
  }

  addUnsendable(deliveryId: string, reason: string): void {
    this.group.unsendable.push({ deliveryId, reason });
    this.totals.unsendable += 1;
    this.grow(deliveryId);
  }

  /** Writes what is left and waits for every write; throws the first write error. */
  async finish(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.error) throw this.error;
  }

  private grow(deliveryId: string): void {
    this.added.add(deliveryId);
    this.grouped += 1;
    if (this.grouped >= this.groupSize) this.flush();
  }

  /** Queues the current group's write (writes run one after another, in order). */
  private flush(): void {
    if (!this.grouped) return;
    const group = this.group;
    const count = this.grouped;
    this.group = emptyGroup();
    this.grouped = 0;
    this.writing += 1;
    this.chain = this.chain.then(async () => {
      const started = this.now();
      try {
        if (!this.error) await this.record({ ...group, now: started });
        this.totals.writes += 1;
      } catch (error) {
        this.error ??= error;
      } finally {
        this.totals.recordMs += this.now() - started;
        this.unrecorded -= count;
        this.writing -= 1;
        this.wake();
      }
    });
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const resolve of waiting) resolve();
  }
}
