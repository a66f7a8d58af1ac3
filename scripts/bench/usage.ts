// What the bench's deliveries cost in billed units, from the worker's own `usage` log lines
// (D1 rows read/written from D1Result.meta, queue messages sent; docs/delivery.md#usage) plus
// workerd CPU time from /proc, and the cost per million events at Cloudflare's list prices.
// Prices: BENCHMARKS.md (Cost) cites the pages; update both together.
import { readdirSync, readFileSync } from "node:fs";
import { workerLogLines, type WorkerLogLine } from "../lib/worker-log.ts";

/** Marginal list prices (USD) beyond the Workers Paid plan's included amounts. */
export const PRICES = {
  workersRequestsPerMillion: 0.3,
  workersCpuMsPerMillion: 0.02,
  d1RowsWrittenPerMillion: 1.0,
  d1RowsReadPerMillion: 0.001,
  queueOpsPerMillion: 0.4,
  /** A message costs one write, one read and one delete operation (each per 64 KB). */
  queueOpsPerMessage: 3,
};

export interface StageUsage {
  invocations: number;
  rowsRead: number;
  rowsWritten: number;
  messagesSent: number;
}

export type Stage = "ingest" | "queue" | "housekeeping" | "other";
export type UsageByStage = Record<Stage, StageUsage>;

const empty = (): StageUsage => ({ invocations: 0, rowsRead: 0, rowsWritten: 0, messagesSent: 0 });

interface UsageLine {
  msg?: string;
  stage?: string;
  route?: string;
  d1RowsRead?: number;
  d1RowsWritten?: number;
  queueMessagesSent?: number;
}

function stageOf(line: UsageLine): Stage {
  if (line.stage === "queue" || line.stage === "housekeeping") return line.stage;
  return line.route?.includes("/connector/v1/events") ? "ingest" : "other";
}

/** Sums the worker log's `usage` lines per stage. */
export function readUsage(logFile: string): UsageByStage {
  const out: UsageByStage = { ingest: empty(), queue: empty(), housekeeping: empty(), other: empty() };
  for (const line of workerLogLines<UsageLine & WorkerLogLine>(logFile, "usage")) {
    const s = out[stageOf(line)];
    s.invocations += 1;
    s.rowsRead += line.d1RowsRead ?? 0;
    s.rowsWritten += line.d1RowsWritten ?? 0;
    s.messagesSent += line.queueMessagesSent ?? 0;
  }
  return out;
}

/** CPU time (user + system, ms) of the workerd processes of a process group so far. */
export function workerdCpuMs(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      if (!stat.slice(stat.indexOf("(") + 1, close).startsWith("workerd")) continue;
      const fields = stat.slice(close + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended between readdir and read
    }
  }
  return ticks * 10; // CLK_TCK = 100 on Linux
}

const total = (u: UsageByStage, key: keyof StageUsage) => u.ingest[key] + u.queue[key] + u.housekeeping[key] + u.other[key];
const fmt = (n: number, digits = 2) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Rows written per delivered event (every stage, prune included). */
export function rowsWrittenPerEvent(u: UsageByStage, delivered: number): number {
  return delivered ? total(u, "rowsWritten") / delivered : NaN;
}

/** Rows written and read and queue messages per delivered event, by stage. */
function stageTable(u: UsageByStage, delivered: number): string[] {
  const per = (n: number) => (delivered ? n / delivered : NaN);
  const stages: Stage[] = ["ingest", "queue", "housekeeping", "other"];
  return [
    `\nD1 and queue usage over ${delivered.toLocaleString("en-US")} delivered events (worker \`usage\` log lines; housekeeping includes pruning everything delivered):`,
    "",
    "| stage | invocations | D1 rows written / event | D1 rows read / event | queue messages / event |",
    "|---|---|---|---|---|",
    ...stages.map((s) => `| ${s} | ${u[s].invocations.toLocaleString("en-US")} | ${fmt(per(u[s].rowsWritten))} | ${fmt(per(u[s].rowsRead))} | ${fmt(per(u[s].messagesSent), 4)} |`),
    `| **total** | ${total(u, "invocations").toLocaleString("en-US")} | **${fmt(rowsWrittenPerEvent(u, delivered))}** | ${fmt(per(total(u, "rowsRead")))} | ${fmt(per(total(u, "messagesSent")), 4)} |`,
  ];
}

/** The per-stage table and the cost per million delivered events, each line of the sum shown. */
export function formatUsage(u: UsageByStage, delivered: number, cpuMs: number): string {
  const per = (n: number) => (delivered ? n / delivered : NaN);
  const lines = stageTable(u, delivered);
  const million = 1_000_000;
  const requests = per(total(u, "invocations")) * million;
  const cpu = per(cpuMs) * million;
  const written = per(total(u, "rowsWritten")) * million;
  const read = per(total(u, "rowsRead")) * million;
  const queueOps = per(total(u, "messagesSent")) * PRICES.queueOpsPerMessage * million;
  const items = [
    ["Workers requests (ingest requests + queue invocations + cron runs)", requests, PRICES.workersRequestsPerMillion],
    ["Workers CPU ms (all workerd CPU of the run: an upper bound, it includes local D1 and the queue broker)", cpu, PRICES.workersCpuMsPerMillion],
    ["D1 rows written", written, PRICES.d1RowsWrittenPerMillion],
    ["D1 rows read", read, PRICES.d1RowsReadPerMillion],
    [`Queues operations (${PRICES.queueOpsPerMessage} per message)`, queueOps, PRICES.queueOpsPerMillion],
  ] as const;
  lines.push("", "Cost per million delivered events at list prices (beyond the Workers Paid plan's included usage):", "",
    "| item | units per million events | price per million units | USD |", "|---|---|---|---|");
  let sum = 0;
  for (const [name, units, price] of items) {
    const usd = (units / million) * price;
    sum += usd;
    lines.push(`| ${name} | ${fmt(units, 0)} | $${price} | $${fmt(usd)} |`);
  }
  lines.push(`| **total** | | | **$${fmt(sum)}** |`);
  return lines.join("\n");
}
