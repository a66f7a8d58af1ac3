// One bench workload against an ingest target (the l2msg worker or the bare relay): a burst of
// `events` as fast as the client goes, then a fixed-rate phase for latency. Bounded by `deadline`.
import type { IngestTarget } from "../lib/ingest-client.ts";
import { replayAsFastAsPossible, replayAtFixedRate } from "../lib/ingest-client.ts";
import type { Receiver } from "../lib/receiver.ts";
import type { ResourceSample } from "../lib/proc-stats.ts";
import { lastArrival, latencies, lostIds, percentile, perSecond } from "../lib/stats.ts";

export interface WorkloadOptions {
  target: IngestTarget;
  receiver: Receiver;
  instance: string;
  idPrefix: string;
  events: number;
  batchSize: number;
  concurrency: number;
  rate: number;
  seconds: number;
  deadline: number;
  /** Give up waiting for deliveries after this long without a new one (default 30 s). */
  stallMs?: number;
  /** Sampled every 2 s while the workload runs (peak fds, CLOSE-WAIT, RSS). */
  probe?: () => ResourceSample;
}

export interface WorkloadResult {
  throughput: { sent: number; accepted: number; ingestPerSec: number; deliveredPerSec: number; lost: number; retries: number; seconds: number };
  latency: { sent: number; p50: number; p95: number; p99: number; max: number; lost: number };
  duplicateEvents: number;
  duplicateWebhookIds: number;
  distinctWebhookIds: number;
  peak?: { fds: number; closeWait: number; rssKb: number };
}

function startProbe(probe: (() => ResourceSample) | undefined) {
  if (!probe) return { stop: () => undefined };
  const peak = { fds: 0, closeWait: 0, rssKb: 0 };
  const timer = setInterval(() => {
    const s = probe();
    peak.fds = Math.max(peak.fds, s.totalFds);
    peak.closeWait = Math.max(peak.closeWait, s.closeWait);
    peak.rssKb = Math.max(peak.rssKb, s.totalRssKb);
  }, 2_000);
  return { stop: () => (clearInterval(timer), peak) };
}

const remaining = (deadline: number) => Math.max(1_000, deadline - Date.now());

export async function runWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const probe = startProbe(o.probe);
  try {
    const burst = await replayAsFastAsPossible({
      target: o.target, instance: o.instance, count: o.events, batchSize: o.batchSize, concurrency: o.concurrency,
      idPrefix: `${o.idPrefix}-t`, timeoutMs: remaining(o.deadline),
    });
    const received = o.receiver.firstAcceptedAt;
    await o.receiver.waitForEvents(o.events, remaining(o.deadline), o.stallMs ?? 30_000);
    const burstLost = lostIds(burst.sentAt.keys(), received).length;
    const delivered = o.events - burstLost;
    const throughput = {
      sent: o.events,
      accepted: burst.accepted,
      ingestPerSec: perSecond(burst.accepted, burst.startedAt, burst.finishedAt),
      deliveredPerSec: perSecond(delivered, burst.startedAt, lastArrival(burst.sentAt.keys(), received)),
      lost: burstLost,
      retries: burst.retries,
      seconds: (lastArrival(burst.sentAt.keys(), received) - burst.startedAt) / 1000,
    };
    console.log(`  burst: ${JSON.stringify(throughput)}`);

    const steady = await replayAtFixedRate({
      target: o.target, instance: o.instance, ratePerSecond: o.rate, seconds: o.seconds, tickMs: 50,
      idPrefix: `${o.idPrefix}-l`, timeoutMs: remaining(o.deadline),
    });
    const expected = o.events + steady.sentAt.size;
    await o.receiver.waitForEvents(expected, remaining(o.deadline), o.stallMs ?? 30_000);
    const lat = latencies(steady.sentAt, received);
    const latency = {
      sent: steady.sentAt.size,
      p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: percentile(lat, 100),
      lost: lostIds(steady.sentAt.keys(), received).length,
    };
    console.log(`  latency: ${JSON.stringify(latency)}`);
    await new Promise((r) => setTimeout(r, 2_000)); // late duplicates, if any
    const stats = o.receiver.stats();
    return {
      throughput, latency,
      duplicateEvents: stats.duplicateEvents, duplicateWebhookIds: stats.duplicateWebhookIds, distinctWebhookIds: stats.distinctWebhookIds,
      peak: probe.stop() || undefined,
    };
  } finally {
    probe.stop();
  }
}
