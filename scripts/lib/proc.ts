// Child processes in their own process group, so stopping one also stops what it spawned
// (wrangler dev -> workerd). Never kills anything it did not start.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface GroupProcess {
  name: string;
  child: ChildProcess;
  /** Process group id (= the leader's pid). */
  pgid: number;
  exited: Promise<number | null>;
  /** SIGTERM (or `signal`) to the whole group, then SIGKILL after `graceMs`; resolves when the group is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append stdout+stderr here; otherwise lines are echoed with a `[name]` prefix when `echo` is set. */
  logFile?: string;
  echo?: boolean;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await sleep(50);
  }
  return !groupAlive(pgid);
}

function pipeOutput(name: string, child: ChildProcess, options: SpawnOptions): void {
  if (options.logFile) {
    const file = createWriteStream(options.logFile, { flags: "a" });
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
    return;
  }
  const echo = (chunk: Buffer) => {
    if (!options.echo) return;
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
  };
  child.stdout?.on("data", echo);
  child.stderr?.on("data", echo);
}

/** Every group started here and not yet stopped: killed if the script itself is interrupted. */
const liveGroups = new Set<number>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    // Only when nobody else handles it (npm start installs its own graceful handler).
    if (process.listenerCount(signal) > 0) continue;
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export function spawnGroup(name: string, command: string, args: string[], options: SpawnOptions = {}): GroupProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pgid = child.pid;
  liveGroups.add(pgid);
  installCleanup();
  pipeOutput(name, child, options);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(null));
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM", graceMs = 5_000) => {
    signalGroup(pgid, signal);
    if (signal !== "SIGKILL" && !(await waitGroupGone(pgid, graceMs))) signalGroup(pgid, "SIGKILL");
    await waitGroupGone(pgid, 5_000);
    liveGroups.delete(pgid);
  };
  return { name, child, pgid, exited, stop };
}

/** Runs a command to completion (own group, bounded by `timeoutMs`); rejects on a non-zero exit. */
export async function runToCompletion(name: string, command: string, args: string[], options: SpawnOptions & { timeoutMs: number }): Promise<string> {
  const proc = spawnGroup(name, command, args, { ...options, logFile: undefined, echo: false });
  let output = "";
  proc.child.stdout?.on("data", (c: Buffer) => (output += c.toString("utf8")));
  proc.child.stderr?.on("data", (c: Buffer) => (output += c.toString("utf8")));
  const timer = setTimeout(() => void proc.stop("SIGKILL"), options.timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  await proc.stop("SIGKILL", 0);
  if (code !== 0) throw new Error(`${name} exited with ${code}:\n${output.slice(-2_000)}`);
  return output;
}
