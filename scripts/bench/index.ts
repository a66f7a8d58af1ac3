// `npm run bench`: end-to-end throughput, latency and resource use of a local l2msg worker
// (wrangler dev, local D1 + Queues) against a bare relay, on the same workload. A script, not a
// test. 127.0.0.1 only; every loop bounded by a count and a deadline. Flags: see `usage`.
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { startRelay } from "./relay.ts";
import { runWorkload, type WorkloadOptions, type WorkloadResult } from "./workload.ts";
import { startLocalWorker, withInstance, type LocalWorker } from "../lib/local-stack.ts";
import { startReceiver } from "../lib/receiver.ts";
import { describeResources, sampleResources, type ResourceSample } from "../lib/proc-stats.ts";
import { formatReport, targetsMet } from "./report.ts";

const usage = `npm run bench -- [--events 100000] [--rate 200] [--seconds 30] [--batch 100]
  [--concurrency 4] [--relay-sockets 4] [--queue-batch N (max_batch_size override)] [--var KEY=VALUE ...] [--max-minutes 30] [--skip-relay]`;

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
      var: { type: "string", multiple: true, default: [] },
      "skip-relay": { type: "boolean", default: false },
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
  const vars = Object.fromEntries((values.var as string[]).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  return {
    events: int("events"), rate: int("rate"), seconds: int("seconds"), batch: int("batch"),
    concurrency: int("concurrency"), relaySockets: int("relay-sockets"), maxMinutes: int("max-minutes"),
    vars, skipRelay: values["skip-relay"] as boolean,
    queueBatch: values["queue-batch"] ? int("queue-batch") : undefined,
  };
}

async function settle(worker: LocalWorker, ms: number): Promise<ResourceSample> {
  await new Promise((r) => setTimeout(r, ms));
  return sampleResources(worker.proc.pgid);
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
  const worker = await startLocalWorker({ label: "bench", vars: opts.vars, config: { queueBatchSize: opts.queueBatch } });
  let l2msg: WorkloadResult, relay: WorkloadResult | undefined;
  let before: ResourceSample, after: ResourceSample;
  try {
    await withInstance(worker, "bench", receiver.url);
    before = await settle(worker, 500);
    console.log(`l2msg worker on ${worker.baseUrl} (log ${worker.logFile}); before: ${describeResources(before)}`);
    l2msg = await runWorkload({ ...workload("l2msg"), target: worker.ingest, receiver, probe: () => sampleResources(worker.proc.pgid) });
    after = await settle(worker, 5_000);
    console.log(`after: ${describeResources(after)}`);
  } finally {
    await worker.dispose();
    await receiver.close();
  }
  if (!opts.skipRelay) {
    const relayReceiver = await startReceiver();
    const bare = await startRelay(relayReceiver.url, opts.relaySockets);
    try {
      relay = await runWorkload({ ...workload("relay"), target: { baseUrl: bare.baseUrl, secret: "unused", connectorId: "bench" }, receiver: relayReceiver });
    } finally {
      await bare.close();
      await relayReceiver.close();
    }
  }
  console.log(formatReport({ opts, l2msg, relay, before, after }));
  return targetsMet(l2msg, before, after) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(2);
  },
);
