// Formats the bench result as a Markdown table (pasted into BENCHMARKS.md) and checks the targets.
import type { ResourceSample } from "../lib/proc-stats.ts";
import type { WorkloadResult } from "./workload.ts";
import type { BurstPhases } from "./phases.ts";

export const TARGETS = { ingestPerSec: 3_000, deliveredPerSec: 1_000, p99Ms: 250 };
/** The capacity targets (docs/testing.md#benchmarks): delivered against the node relay of the same run. */
export const RELATIVE_TARGETS = { ofRelay: 0.45, deliveredPerSec: 1_200, p99Ms: 250 };

export function relativeTargetsMet(r: WorkloadResult, relay: WorkloadResult | undefined): boolean | undefined {
  if (!relay) return undefined;
  const t = r.throughput;
  return t.deliveredPerSec >= RELATIVE_TARGETS.ofRelay * relay.throughput.deliveredPerSec && t.deliveredPerSec >= RELATIVE_TARGETS.deliveredPerSec &&
    r.latency.p99 <= RELATIVE_TARGETS.p99Ms && t.lost + r.latency.lost === 0 && r.duplicateEvents === 0;
}

/**
 * What the capacity targets ask of l2msg measured against the relay run as a Worker: the bare
 * forward in the same runtime, on the same one thread, with no storage, queue or signature. A
 * share near or above 1 cannot be reached by anything that also stores what it forwards.
 */
export function runtimeCeiling(relay: WorkloadResult | undefined, workerRelay: WorkloadResult | undefined): { neededPerSec: number; shareOfWorkerRelay: number } | undefined {
  if (!relay || !workerRelay || workerRelay.throughput.deliveredPerSec <= 0) return undefined;
  const neededPerSec = Math.max(RELATIVE_TARGETS.ofRelay * relay.throughput.deliveredPerSec, RELATIVE_TARGETS.deliveredPerSec);
  return { neededPerSec, shareOfWorkerRelay: neededPerSec / workerRelay.throughput.deliveredPerSec };
}

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const ratio = (a: number, b: number | undefined) => (b && b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");
const mib = (kb: number) => `${Math.round(kb / 1024)} MiB`;

/** Targets: throughput, p99, nothing lost, no duplicates, fds back to (about) where they started. */
export function targetsMet(r: WorkloadResult, before: ResourceSample, after: ResourceSample): boolean {
  return (
    r.throughput.ingestPerSec >= TARGETS.ingestPerSec &&
    r.throughput.deliveredPerSec >= TARGETS.deliveredPerSec &&
    r.latency.p99 <= TARGETS.p99Ms &&
    r.throughput.lost + r.latency.lost === 0 &&
    r.duplicateEvents === 0 &&
    after.totalFds <= before.totalFds + 20 &&
    after.closeWait <= before.closeWait + 20
  );
}

export interface ReportInput {
  opts: { stateDir?: string; directOutbound?: boolean; directInbound?: boolean; queueBatch?: number; events: number; rate: number; seconds: number; batch: number; concurrency: number; relaySockets: number; vars: Record<string, string>; cronSeconds?: number };
  l2msg: WorkloadResult;
  relay: WorkloadResult | undefined;
  /** The same relay run as a Worker in the local runtime. */
  workerRelay?: WorkloadResult;
  phases?: BurstPhases;
  before: ResourceSample;
  after: ResourceSample;
}

function ceilingLine(relay: WorkloadResult | undefined, workerRelay: WorkloadResult | undefined): string {
  const ceiling = runtimeCeiling(relay, workerRelay);
  if (!ceiling || !workerRelay || !relay) return "this runtime's ceiling: n/a (needs both relay runs)";
  const own = workerRelay.throughput.deliveredPerSec;
  return `this runtime's ceiling: the relay as a Worker delivered ${n0(own)}/s (${ratio(own, relay.throughput.deliveredPerSec)} the node relay); ` +
    `the capacity targets need ${n0(ceiling.neededPerSec)}/s from l2msg, ${ceiling.shareOfWorkerRelay.toFixed(2)}x what that bare forward reaches on the same thread`;
}

export function formatReport({ opts, l2msg, relay, workerRelay, phases, before, after }: ReportInput): string {
  const row = (name: string, pick: (w: WorkloadResult) => string, withRatio?: (w: WorkloadResult) => number) => {
    const cells = [pick(l2msg)];
    for (const base of [relay, workerRelay]) {
      cells.push(base ? pick(base) : "n/a");
      cells.push(withRatio ? ratio(withRatio(l2msg), base ? withRatio(base) : undefined) : "");
    }
    return `| ${name} | ${cells.join(" | ")} |`;
  };
  const relativeMet = relativeTargetsMet(l2msg, relay);
  const lines = [
    `\nWorkload: ${opts.events} messages.upsert events (batches of ${opts.batch}, ${opts.concurrency} concurrent ingest requests), then ${opts.rate} events/s for ${opts.seconds} s. Vars: ${JSON.stringify(opts.vars)}. Relay sockets: ${opts.relaySockets}. Queue max_batch_size: ${opts.queueBatch ?? "wrangler.toml"}. Scheduled handler: ${opts.cronSeconds ? `every ${opts.cronSeconds} s` : "never fired"}. Worker state (local D1): ${opts.stateDir ? `tmpfs (${opts.stateDir})` : "disk"}. Outbound fetches: ${opts.directOutbound === false ? "through miniflare's CF-Connecting-IP hop" : "direct (miniflare's local-only CF-Connecting-IP hop skipped)"}. Ingest requests: ${opts.directInbound === false ? "through wrangler's local proxy" : "to the runtime directly (wrangler's local-only proxy skipped)"}.`,
    "",
    "| metric | l2msg | bare relay (node) | l2msg / relay | bare relay as a Worker (same runtime) | l2msg / Worker relay |",
    "|---|---|---|---|---|---|",
    row("ingest accepted, events/s", (w) => n0(w.throughput.ingestPerSec), (w) => w.throughput.ingestPerSec),
    row("delivered end-to-end, events/s", (w) => n0(w.throughput.deliveredPerSec), (w) => w.throughput.deliveredPerSec),
    row(`latency p50 at ${opts.rate}/s, ms`, (w) => n0(w.latency.p50)),
    row(`latency p95 at ${opts.rate}/s, ms`, (w) => n0(w.latency.p95)),
    row(`latency p99 at ${opts.rate}/s, ms`, (w) => n0(w.latency.p99)),
    row("lost (burst + fixed rate)", (w) => String(w.throughput.lost + w.latency.lost)),
    row("duplicate events / duplicate webhook-ids", (w) => `${w.duplicateEvents} / ${w.duplicateWebhookIds}`),
    row("ingest client retries", (w) => String(w.throughput.retries)),
    "",
    phases
      ? `l2msg burst in phases (worker log): ingest ${phases.ingestSeconds.toFixed(1)} s, ${n0(phases.deliveredDuringIngest)} delivered meanwhile; ` +
        `after it, the consumer alone: ${n0(phases.deliveryOnlyPerSec)} deliveries/s`
      : "l2msg burst in phases: n/a (the worker log has too few lines)",
    `workerd fds before/peak/after: ${before.totalFds} / ${l2msg.peak?.fds ?? "n/a"} / ${after.totalFds}; ` +
      `CLOSE-WAIT before/peak/after: ${before.closeWait} / ${l2msg.peak?.closeWait ?? "n/a"} / ${after.closeWait}; ` +
      `workerd RSS before/peak/after: ${mib(before.totalRssKb)} / ${l2msg.peak ? mib(l2msg.peak.rssKb) : "n/a"} / ${mib(after.totalRssKb)}`,
    `targets (ingest >= ${TARGETS.ingestPerSec}/s, delivered >= ${TARGETS.deliveredPerSec}/s, p99 <= ${TARGETS.p99Ms} ms, 0 lost, 0 duplicates, no fd growth): ${targetsMet(l2msg, before, after) ? "MET" : "NOT MET"}`,
    `capacity targets (delivered >= ${RELATIVE_TARGETS.ofRelay}x the node relay and >= ${RELATIVE_TARGETS.deliveredPerSec}/s, p99 <= ${RELATIVE_TARGETS.p99Ms} ms, 0 lost, 0 duplicates): ` +
      (relativeMet === undefined ? "n/a (no relay run)" : relativeMet ? "MET" : "NOT MET"),
    ceilingLine(relay, workerRelay),
  ];
  return lines.join("\n");
}
