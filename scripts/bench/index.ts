// `npm run bench`: end-to-end throughput, latency and resource use of a local l2msg worker
// (scripts/lib/dev-server.ts, local D1 + Queues, the scheduled handler fired every --cron-seconds) against a bare relay, on the same workload. A script, not a
// test. 127.0.0.1 only; every loop bounded by a count and a deadline. Flags: see `usage`.
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { startRelay, startWorkerRelay, type Relay } from "./relay.ts";
import { burstPhases, type BurstPhases } from "./phases.ts";
import { runWorkload, type WorkloadOptions, type WorkloadResult } from "./workload.ts";
import { startLocalWorker, withInstance, type LocalWorker } from "../lib/local-stack.ts";
import { startReceiver } from "../lib/receiver.ts";
import { describeResources, sampleResources, type ResourceSample } from "../lib/proc-stats.ts";
import { formatReport, targetsMet } from "./report.ts";
import { triggerScheduled } from "../lib/wrangler.ts";
import { existsSync } from "node:fs";
import { workerLogLines, type WorkerLogLine } from "../lib/worker-log.ts";
import { callApi } from "../lib/api.ts";
import { formatUsage, readUsage, workerdCpuMs } from "./usage.ts";

/** Housekeeping is fired this far in the future after the run, so retention prunes everything delivered. */
const PRUNE_AHEAD_MS = 30 * 24 * 3600_000;
/** A housekeeping run that writes at most this many rows deleted nothing (it saved its state). */
const PRUNE_IDLE_ROWS = 5;

const usage = `npm run bench -- [--events 100000] [--rate 200] [--seconds 30] [--batch 100]
  [--concurrency 4] [--relay-sockets 4] [--queue-batch N (max_batch_size override)] [--var KEY=VALUE ...]
  [--cron-seconds 5 (0: never fire the scheduled handler)] [--max-minutes 30] [--skip-relay] [--skip-worker-relay] [--state-on-disk] [--cf-ip-hop] [--proxy-hop]
  --state-on-disk keeps the worker's local D1 on disk instead of in /dev/shm (see STATE_DIR).
  --cf-ip-hop keeps miniflare's local-only hop on every outbound fetch (scripts/lib/cf-ip-hop.ts).
  --proxy-hop sends the ingest batches through wrangler's local-only proxy (scripts/lib/dev-server.ts).
  --skip-relay skips both baselines; --skip-worker-relay only the relay run as a Worker in the local runtime.`;

/**
 * The worker's directory, local D1 included, goes to tmpfs when there is one. Locally D1's SQLite
 * runs on the worker's one workerd thread, and its fsyncs wait for the disk there: on the
 * development machine one fsync held every request for up to 0.74 s (`perf` sched_switch stacks
 * in ext4_sync_file, BENCHMARKS.md). Production D1 does not write on the Worker's thread, so the
 * bench measures l2msg without that wait; `--state-on-disk` measures it with.
 */
const STATE_DIR = "/dev/shm";

/** The sweep re-enqueues pending deliveries this long past due (production default 120 s); --var wins. */
const BENCH_VARS = { WEBHOOK_SWEEP_GRACE_SECONDS: "5" };

function options() {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "100000" },
      rate: { type: "string", default: "200" },
      seconds: { type: "string", default: "30" },
      batch: { type: "string", default: "100" },
      concurrency: { type: "string", default: "4" },
      "relay-sockets": { type: "string", default: "4" },
      "queue-batch": { type: "string", default: "" },
      "max-minutes": { type: "string", default: "30" },
      "cron-seconds": { type: "string", default: "5" },
      var: { type: "string", multiple: true, default: [] },
      "skip-relay": { type: "boolean", default: false },
      "skip-worker-relay": { type: "boolean", default: false },
      "state-on-disk": { type: "boolean", default: false },
      "cf-ip-hop": { type: "boolean", default: false },
      "proxy-hop": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const int = (name: keyof typeof values) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer\n${usage}`);
    return n;
  };
  const vars = { ...BENCH_VARS, ...Object.fromEntries((values.var as string[]).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])) };
  const cronSeconds = Number(values["cron-seconds"]);
  if (!Number.isInteger(cronSeconds) || cronSeconds < 0) throw new Error(`--cron-seconds must be a non-negative integer\n${usage}`);
  return {
    events: int("events"), rate: int("rate"), seconds: int("seconds"), batch: int("batch"),
    concurrency: int("concurrency"), relaySockets: int("relay-sockets"), maxMinutes: int("max-minutes"),
    vars, skipRelay: values["skip-relay"] as boolean, skipWorkerRelay: values["skip-worker-relay"] as boolean, cronSeconds,
    stateDir: values["state-on-disk"] || !existsSync(STATE_DIR) ? undefined : STATE_DIR,
    queueBatch: values["queue-batch"] ? int("queue-batch") : undefined,
    // Production has no such hop; l2msg and the Worker relay both skip it unless asked (cf-ip-hop.ts).
    directOutbound: !values["cf-ip-hop"],
    // Nor has it wrangler's ProxyWorker in front of the Worker: ingest batches go to the runtime (dev-server.ts).
    directInbound: !values["proxy-hop"],
  };
}

/**
 * Fires the worker's scheduled handler every `seconds` (one run at a time), as the production cron
 * does every minute: the sweep re-enqueues deliveries that are `pending` in D1 but not in the queue
 * (locally: a `sendBatch` refused by Miniflare's queue broker past 10,000 pending timers).
 */
function startCron(worker: LocalWorker, seconds: number) {
  const counts = { runs: 0, failures: 0 };
  if (seconds === 0) return { counts, stop: async () => counts };
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = triggerScheduled(worker.baseUrl)
      .then(() => void counts.runs++, () => void counts.failures++)
      .finally(() => (inFlight = undefined));
  }, seconds * 1_000);
  return {
    counts,
    stop: async () => {
      clearInterval(timer);
      await inFlight;
      return counts;
    },
  };
}

/** What the worker log says about the queue: sends Miniflare refused, and sweep re-enqueues. */
function queueLogSummary(logFile: string): { enqueueFailedLines: number; enqueueFailedIds: number; sweepRuns: number; sweepEnqueued: number } {
  const failed = workerLogLines<WorkerLogLine & { count?: number }>(logFile, "delivery_enqueue_failed");
  const swept = workerLogLines<WorkerLogLine & { enqueued?: number }>(logFile, "stuck_deliveries_requeued");
  return {
    enqueueFailedLines: failed.length,
    enqueueFailedIds: failed.reduce((n, l) => n + (l.count ?? 0), 0),
    sweepRuns: swept.length,
    sweepEnqueued: swept.reduce((n, l) => n + (l.enqueued ?? 0), 0),
  };
}

/**
 * Fires housekeeping as of PRUNE_AHEAD_MS from now until a run deletes nothing more, so the
 * rows-written figure includes deleting what the run stored (pruning is bounded per run). A run
 * always writes its own state row (and the sweep's watermark): a few rows are "nothing".
 */
async function pruneDelivered(worker: LocalWorker, deadline: number): Promise<number> {
  const future = Date.now() + PRUNE_AHEAD_MS;
  let last = -1;
  let runs = 0;
  while (Date.now() < deadline) {
    await triggerScheduled(worker.baseUrl, "* * * * *", 30_000, 3, { time: future });
    runs++;
    await new Promise((r) => setTimeout(r, 300)); // the log line reaches the file
    const written = readUsage(worker.logFile).housekeeping.rowsWritten;
    if (last >= 0 && written - last <= PRUNE_IDLE_ROWS) break;
    last = written;
  }
  return runs;
}

async function settle(worker: LocalWorker, ms: number): Promise<ResourceSample> {
  await new Promise((r) => setTimeout(r, ms));
  return sampleResources(worker.proc.pgid);
}

/** One baseline run on its own receiver. */
async function runRelay(start: (receiverUrl: string) => Promise<Relay>, workload: Omit<WorkloadOptions, "target" | "receiver" | "probe">): Promise<WorkloadResult> {
  const receiver = await startReceiver();
  try {
    const relay = await start(receiver.url);
    try {
      return await runWorkload({ ...workload, target: { baseUrl: relay.baseUrl, secret: "unused", connectorId: "bench" }, receiver });
    } finally {
      await relay.close();
    }
  } finally {
    await receiver.close();
  }
}

async function main(): Promise<number> {
  const opts = options();
  const deadline = Date.now() + opts.maxMinutes * 60_000;
  const run = randomBytes(3).toString("hex");
  const workload = (label: string): Omit<WorkloadOptions, "target" | "receiver" | "probe"> => ({
    instance: "bench", idPrefix: `${run}-${label}`, events: opts.events, batchSize: opts.batch, concurrency: opts.concurrency,
    rate: opts.rate, seconds: opts.seconds, deadline,
  });
  console.log(`bench run ${run}: ${opts.events} events, latency at ${opts.rate}/s for ${opts.seconds}s, batch ${opts.batch} x ${opts.concurrency}`);

  const receiver = await startReceiver();
  const worker = await startLocalWorker({ label: "bench", vars: opts.vars, config: { queueBatchSize: opts.queueBatch, withoutConsole: true }, baseDir: opts.stateDir, directOutbound: opts.directOutbound, directInbound: opts.directInbound });
  let l2msg: WorkloadResult, relay: WorkloadResult | undefined, workerRelay: WorkloadResult | undefined;
  let phases: BurstPhases | undefined;
  let before: ResourceSample, after: ResourceSample;
  let usageReport = "";
  try {
    await withInstance(worker, "bench", receiver.url);
    before = await settle(worker, 500);
    console.log(`l2msg worker on ${worker.baseUrl} (log ${worker.logFile}); before: ${describeResources(before)}`);
    const cpuBefore = workerdCpuMs(worker.proc.pgid);
    const cron = startCron(worker, opts.cronSeconds);
    try {
      // With the cron on, a stall shorter than a few sweeps is not the end of the backlog.
      const stallMs = opts.cronSeconds ? Math.max(30_000, 4 * (opts.cronSeconds + Number(opts.vars.WEBHOOK_SWEEP_GRACE_SECONDS ?? 120)) * 1_000) : 30_000;
      l2msg = await runWorkload({ ...workload("l2msg"), stallMs, target: worker.ingest, receiver, probe: () => sampleResources(worker.proc.pgid) });
    } finally {
      const counts = await cron.stop();
      console.log(`scheduled handler fired every ${opts.cronSeconds} s: ${counts.runs} runs, ${counts.failures} failed`);
    }
    after = await settle(worker, 5_000);
    console.log(`after: ${describeResources(after)}`);
    if (l2msg.throughput.lost + l2msg.latency.lost > 0) {
      const pending = await callApi(worker.api, "GET", "/deliveries/bench?status=pending&limit=100").catch(() => undefined);
      const rows = (pending?.json as { deliveries?: unknown[] } | undefined)?.deliveries?.length;
      console.log(`deliveries still pending in D1 at the end: ${rows === undefined ? "unknown" : rows === 100 ? ">= 100" : rows}`);
    }
    phases = burstPhases(worker.logFile, Math.ceil(opts.events / opts.batch));
    const pruneRuns = await pruneDelivered(worker, deadline);
    const delivered = l2msg.throughput.sent - l2msg.throughput.lost + l2msg.latency.sent - l2msg.latency.lost;
    usageReport = formatUsage(readUsage(worker.logFile), delivered, workerdCpuMs(worker.proc.pgid) - cpuBefore) +
      `\n(pruned in ${pruneRuns} housekeeping runs fired as of ${PRUNE_AHEAD_MS / 86_400_000} days later)`;
    const queue = queueLogSummary(worker.logFile);
    console.log(`queue: ${queue.enqueueFailedLines} delivery_enqueue_failed lines (${queue.enqueueFailedIds} deliveries left pending for the sweep); ` +
      `sweep re-enqueued ${queue.sweepEnqueued} in ${queue.sweepRuns} runs`);
  } finally {
    await worker.dispose();
    await receiver.close();
  }
  if (!opts.skipRelay) {
    relay = await runRelay((url) => startRelay(url, opts.relaySockets), workload("relay"));
    // The same relay inside the local runtime: as many POSTs in flight as the node relay's sockets.
    if (!opts.skipWorkerRelay) workerRelay = await runRelay((url) => startWorkerRelay(url, Math.max(1, Math.round(opts.relaySockets / opts.concurrency)), opts), workload("wrelay"));
  }
  console.log(formatReport({ opts, l2msg, relay, workerRelay, phases, before, after }));
  console.log(usageReport);
  return targetsMet(l2msg, before, after) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(2);
  },
);
