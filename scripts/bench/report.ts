// Formats the bench result as a Markdown table (pasted into BENCHMARKS.md) and checks the targets.
import type { ResourceSample } from "../lib/proc-stats.ts";
import type { WorkloadResult } from "./workload.ts";

export const TARGETS = { ingestPerSec: 3_000, deliveredPerSec: 1_000, p99Ms: 250 };

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
  opts: { queueBatch?: number; events: number; rate: number; seconds: number; batch: number; concurrency: number; relaySockets: number; vars: Record<string, string>; cronSeconds?: number };
  l2msg: WorkloadResult;
  relay: WorkloadResult | undefined;
  before: ResourceSample;
  after: ResourceSample;
}

export function formatReport({ opts, l2msg, relay, before, after }: ReportInput): string {
  const row = (name: string, a: string, b: string, c: string) => `| ${name} | ${a} | ${b} | ${c} |`;
  const r = relay;
  const lines = [
    `\nWorkload: ${opts.events} messages.upsert events (batches of ${opts.batch}, ${opts.concurrency} concurrent ingest requests), then ${opts.rate} events/s for ${opts.seconds} s. Vars: ${JSON.stringify(opts.vars)}. Relay sockets: ${opts.relaySockets}. Queue max_batch_size: ${opts.queueBatch ?? "wrangler.toml"}. Scheduled handler: ${opts.cronSeconds ? `every ${opts.cronSeconds} s` : "never fired"}.`,
    "",
    "| metric | l2msg | bare relay | l2msg / relay |",
    "|---|---|---|---|",
    row("ingest accepted, events/s", n0(l2msg.throughput.ingestPerSec), r ? n0(r.throughput.ingestPerSec) : "n/a", ratio(l2msg.throughput.ingestPerSec, r?.throughput.ingestPerSec)),
    row("delivered end-to-end, events/s", n0(l2msg.throughput.deliveredPerSec), r ? n0(r.throughput.deliveredPerSec) : "n/a", ratio(l2msg.throughput.deliveredPerSec, r?.throughput.deliveredPerSec)),
    row(`latency p50 at ${opts.rate}/s, ms`, n0(l2msg.latency.p50), r ? n0(r.latency.p50) : "n/a", ratio(l2msg.latency.p50, r?.latency.p50)),
    row(`latency p95 at ${opts.rate}/s, ms`, n0(l2msg.latency.p95), r ? n0(r.latency.p95) : "n/a", ratio(l2msg.latency.p95, r?.latency.p95)),
    row(`latency p99 at ${opts.rate}/s, ms`, n0(l2msg.latency.p99), r ? n0(r.latency.p99) : "n/a", ratio(l2msg.latency.p99, r?.latency.p99)),
    row("lost (burst + fixed rate)", String(l2msg.throughput.lost + l2msg.latency.lost), r ? String(r.throughput.lost + r.latency.lost) : "n/a", ""),
    row("duplicate events / duplicate webhook-ids", `${l2msg.duplicateEvents} / ${l2msg.duplicateWebhookIds}`, r ? `${r.duplicateEvents} / ${r.duplicateWebhookIds}` : "n/a", ""),
    row("ingest client retries", String(l2msg.throughput.retries), r ? String(r.throughput.retries) : "n/a", ""),
    "",
    `workerd fds before/peak/after: ${before.totalFds} / ${l2msg.peak?.fds ?? "n/a"} / ${after.totalFds}; ` +
      `CLOSE-WAIT before/peak/after: ${before.closeWait} / ${l2msg.peak?.closeWait ?? "n/a"} / ${after.closeWait}; ` +
      `workerd RSS before/peak/after: ${mib(before.totalRssKb)} / ${l2msg.peak ? mib(l2msg.peak.rssKb) : "n/a"} / ${mib(after.totalRssKb)}`,
    `targets (ingest >= ${TARGETS.ingestPerSec}/s, delivered >= ${TARGETS.deliveredPerSec}/s, p99 <= ${TARGETS.p99Ms} ms, 0 lost, 0 duplicates, no fd growth): ${targetsMet(l2msg, before, after) ? "MET" : "NOT MET"}`,
  ];
  return lines.join("\n");
}
