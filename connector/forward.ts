// Forwarder: drains the outbox to `${WORKER_URL}/connector/v1/events` in signed batches, oldest
// first (so per-instance order holds), deleting rows only after a 200. 5xx/429/network → the
// same batch again after a capped backoff; 400 → quarantine the events it names, else bisect;
// a batch that keeps getting 5xx is split to find the one event the worker fails on.
import type { Logger } from "pino";
import { INGEST_PATH, MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH } from "../protocol/envelope.ts";
import { rejectedIndexes } from "../protocol/ingest-errors.ts";
import { connectorSignatureHeaders } from "../protocol/signing.ts";
import { FLEET_HEADERS } from "../protocol/fleet.ts";
import type { ConnectorTuning } from "./config.ts";
import type { Outbox, OutboxRow } from "./outbox.ts";
import { PoisonSearch } from "./poison-search.ts";
import { backoffDelay } from "./reconnect-policy.ts";

/** Headroom under the worker's 5 MiB limit for the envelope and signing slack. */
export const FORWARD_BATCH_BYTES = Math.floor(MAX_BATCH_BYTES * 0.9);

export type ForwarderDeps = {
  outbox: Outbox;
  workerUrl: string;
  connectorId: string;
  /** This connector's key (ConnectorConfig.connectorKey): ingest is signed with it. */
  key: string;
  tuning: ConnectorTuning;
  logger: Logger;
  fetch: typeof fetch;
  now: () => number;
  random: () => number;
};

type Outcome = { kind: "sent" } | { kind: "retry"; reason: string; status?: number } | { kind: "rejected"; body: string };

/** Consecutive 5xx answers to the same batch before it is split. */
const SPLIT_AFTER_SERVER_ERRORS = 3;

export class Forwarder {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private urgent = false;
  private failures = 0;
  /** Shrunk after a 400 that named nothing, to bisect down to the bad event. */
  private batchLimit = MAX_EVENTS_PER_BATCH;
  private readonly poison = new PoisonSearch(SPLIT_AFTER_SERVER_ERRORS);

  constructor(private readonly deps: ForwarderDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.outbox.onAppend(() => this.notify());
    this.loop = this.run();
  }

  notify(): void {
    this.wake?.();
  }

  /** Sends what is pending without lingering; resolves when empty or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = this.deps.now() + timeoutMs;
    this.urgent = true;
    this.notify();
    while (this.deps.outbox.pending().events > 0 && this.deps.now() < deadline && this.running) await sleep(20);
    this.urgent = false;
    return this.deps.outbox.pending().events === 0;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.deps.outbox.pending().events === 0) {
        await this.waitForWake(60_000);
        continue;
      }
      if (!this.urgent) await this.waitForWake(this.deps.tuning.forwardLingerMs, true);
      await this.drain();
    }
  }

  private async drain(): Promise<void> {
    while (this.running) {
      const batch = this.nextBatch();
      if (batch.length === 0) {
        this.batchLimit = MAX_EVENTS_PER_BATCH;
        this.poison.reset();
        return;
      }
      const outcome = await this.post(batch);
      if (outcome.kind === "sent") this.onSent(batch);
      else if (outcome.kind === "rejected") this.onRejected(batch, outcome.body);
      else {
        if (outcome.status !== undefined && outcome.status >= 500) this.onServerError(batch);
        if (!(await this.backoff(outcome.reason, batch.length))) return;
      }
    }
  }

  /** Oldest events first, unless a poison search wants other instances' events behind a suspect first. */
  private nextBatch(): OutboxRow[] {
    const { maxEvents, after } = this.poison.nextPeek(this.batchLimit);
    if (after) {
      const probe = this.deps.outbox.peek(maxEvents, FORWARD_BATCH_BYTES, after);
      if (probe.length > 0) return probe;
      const ownLater = this.deps.outbox.peek(maxEvents, FORWARD_BATCH_BYTES, { seq: after.seq });
      if (ownLater.length > 0) return ownLater;
    }
    return this.deps.outbox.peek(maxEvents, FORWARD_BATCH_BYTES);
  }

  private onServerError(batch: OutboxRow[]): void {
    const verdict = this.poison.onServerError(batch);
    if (verdict.action === "split") {
      this.batchLimit = Math.max(1, Math.ceil(batch.length / 2));
      this.deps.logger.warn({ events: batch.length, nextBatch: this.batchLimit }, "forward: worker keeps failing on a batch, splitting it");
    } else if (verdict.action === "quarantine") {
      this.deps.outbox.quarantine([verdict.row], "worker 5xx on this event alone while later events were accepted");
      this.deps.logger.error({ eventId: verdict.row.id, instance: verdict.row.instance }, "forward: worker fails on one event only, quarantined");
      this.batchLimit = MAX_EVENTS_PER_BATCH;
      this.failures = 0;
    }
  }

  private onSent(batch: OutboxRow[]): void {
    this.poison.onSent(batch);
    this.deps.outbox.remove(batch);
    if (this.failures > 0) this.deps.logger.info({ afterFailures: this.failures }, "forward: worker reachable again");
    this.failures = 0;
    this.deps.logger.debug({ events: batch.length }, "forward: batch accepted");
  }

  private onRejected(batch: OutboxRow[], body: string): void {
    const named = rejectedIndexes(body).filter((i) => i < batch.length);
    if (batch.length === 1 || named.length > 0) {
      const bad = batch.length === 1 ? batch : named.map((i) => batch[i]!);
      this.deps.outbox.quarantine(bad, `worker 400: ${body.slice(0, 1000)}`);
      this.deps.logger.error({ eventIds: bad.map((r) => r.id), response: body.slice(0, 200) }, "forward: worker rejected events, quarantined");
      this.batchLimit = MAX_EVENTS_PER_BATCH;
      return;
    }
    this.batchLimit = Math.max(1, Math.ceil(batch.length / 2));
    this.deps.logger.warn({ events: batch.length, nextBatch: this.batchLimit }, "forward: worker rejected a batch, bisecting");
  }

  /** Waits before a retry; false when stopped meanwhile. */
  private async backoff(reason: string, size: number): Promise<boolean> {
    const { forwardRetryBaseMs: baseMs, forwardRetryMaxMs: maxMs } = this.deps.tuning;
    const delay = backoffDelay(this.failures, { baseMs, maxMs }, this.deps.random());
    this.failures += 1;
    const log = this.failures === 1 || this.failures % 20 === 0 ? "warn" : "debug";
    this.deps.logger[log]({ reason, events: size, attempt: this.failures, retryInMs: delay }, "forward: worker unavailable, will retry");
    await this.waitForWake(delay, true);
    return this.running;
  }

  private async post(batch: OutboxRow[]): Promise<Outcome> {
    const body = `{"connector":${JSON.stringify(this.deps.connectorId)},"events":[${batch.map((r) => r.body).join(",")}]}`;
    // Signed with this connector's own key (docs/protocol.md#ingest-authority), named in the header.
    const headers = { [FLEET_HEADERS.connector]: this.deps.connectorId, ...(await connectorSignatureHeaders(this.deps.key, body, this.deps.now())) };
    try {
      const response = await this.deps.fetch(`${this.deps.workerUrl}${INGEST_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
        signal: AbortSignal.timeout(this.deps.tuning.forwardRequestTimeoutMs),
      });
      const text = await response.text().catch(() => "");
      if (response.status === 200) return { kind: "sent" };
      if (response.status === 400 || response.status === 413) return { kind: "rejected", body: text || `HTTP ${response.status}` };
      return { kind: "retry", reason: `HTTP ${response.status}`, status: response.status };
    } catch (error) {
      return { kind: "retry", reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Sleeps up to `ms`; `interruptible` lets notify() (or stop) end it early only when urgent or stopping. */
  private waitForWake(ms: number, onlyUrgent = false): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wake === wake) self.wake = undefined;
        resolve();
      }
      const wake = (): void => {
        if (!onlyUrgent || this.urgent || !this.running) done();
      };
      this.wake = wake;
    });
  }
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
