// Resource probes for a local worker: open fds and RSS of the workerd processes in a process
// group, and CLOSE-WAIT sockets machine-wide (`ss -tan`). Linux /proc only; read-only.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessSample {
  pid: number;
  command: string;
  fds: number;
  rssKb: number;
}

export interface ResourceSample {
  processes: ProcessSample[];
  totalFds: number;
  totalRssKb: number;
  closeWait: number;
}

function statOf(pid: number): { command: string; pgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const command = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    return { command, pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function sampleProcess(pid: number, command: string): ProcessSample | undefined {
  try {
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return { pid, command, fds, rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return undefined;
  }
}

/** Processes of group `pgid` whose command matches (default: workerd). */
export function groupProcesses(pgid: number, match: RegExp = /^workerd/): ProcessSample[] {
  const out: ProcessSample[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (!stat || stat.pgid !== pgid || !match.test(stat.command)) continue;
    const sample = sampleProcess(Number(entry), stat.command);
    if (sample) out.push(sample);
  }
  return out;
}

/** `ss -tan | grep -c CLOSE-WAIT`. */
export function closeWaitCount(): number {
  try {
    const out = execFileSync("ss", ["-tan"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return out.split("\n").filter((line) => line.includes("CLOSE-WAIT")).length;
  } catch {
    return -1;
  }
}

export function sampleResources(pgid: number, match?: RegExp): ResourceSample {
  const processes = groupProcesses(pgid, match);
  return {
    processes,
    totalFds: processes.reduce((sum, p) => sum + p.fds, 0),
    totalRssKb: processes.reduce((sum, p) => sum + p.rssKb, 0),
    closeWait: closeWaitCount(),
  };
}

export function describeResources(sample: ResourceSample): string {
  const procs = sample.processes.map((p) => `${p.command}#${p.pid} fds=${p.fds} rss=${Math.round(p.rssKb / 1024)}MiB`).join(", ");
  return `fds=${sample.totalFds} rss=${Math.round(sample.totalRssKb / 1024)}MiB close_wait=${sample.closeWait} [${procs}]`;
}
