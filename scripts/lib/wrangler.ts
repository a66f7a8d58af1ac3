// Local worker lifecycle for scripts: apply D1 migrations and run the worker in local mode
// (dev-server.ts, or `wrangler dev` with L2MSG_INSPECTOR=1; no Cloudflare account, no login, no
// telemetry, no Request.cf fetch). Local only: 127.0.0.1.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnGroup, runToCompletion, type GroupProcess } from "./proc.ts";

export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const WRANGLER_BIN = join(ROOT, "node_modules", ".bin", "wrangler");
const DEV_SERVER = join(ROOT, "scripts", "lib", "dev-server.ts");

/** Environment for every wrangler invocation: non-interactive (CI=true skips the migration prompt), offline. */
export function wranglerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_HIDE_BANNER: "true",
    NO_COLOR: "1",
    ...extra,
  };
}

export async function applyLocalMigrations(persistTo?: string, config?: string): Promise<string> {
  const args = ["d1", "migrations", "apply", "DB", "--local", ...(persistTo ? ["--persist-to", persistTo] : []), ...(config ? ["--config", config] : [])];
  return runToCompletion("migrations", WRANGLER_BIN, args, { cwd: ROOT, env: wranglerEnv(), timeoutMs: 120_000 });
}

/**
 * Bundles the worker once into `outdir` (`wrangler deploy --dry-run`, nothing is uploaded).
 * The bench and drills run this snapshot with `--no-bundle`: `wrangler dev` on the sources
 * reloads on every edit in worker/, and a reload drops the in-memory local queue.
 */
export async function buildWorkerSnapshot(outdir: string): Promise<string> {
  await runToCompletion("build", WRANGLER_BIN, ["deploy", "--dry-run", "--outdir", outdir], { cwd: ROOT, env: wranglerEnv(), timeoutMs: 120_000 });
  return join(outdir, "index.js");
}

export interface ConfigOverrides {
  /** `max_batch_size` of the delivery queue consumer (local queues run one batch at a time). */
  queueBatchSize?: number;
  /**
   * Leave the console's `[assets]` out. With assets, the local runtime answers
   * `/cdn-cgi/handler/scheduled` with a 500 (wrangler 4.86), so the bench and the drills, which
   * fire the cron that way and need no console, run without them.
   */
  withoutConsole?: boolean;
}

/**
 * A copy of wrangler.toml for a throwaway worker: `main` is the snapshot, paths (migrations, the
 * console's assets) are absolute, and no .dev.vars is picked up (it lives beside the config, and
 * this copy has none).
 */
export function throwawayConfig(script: string, overrides: ConfigOverrides = {}): string {
  let toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8")
    .replace(/^main\s*=.*$/m, `main = ${JSON.stringify(script)}`)
    .replace(/^migrations_dir\s*=.*$/m, `migrations_dir = ${JSON.stringify(join(ROOT, "migrations"))}`)
    // The console's static assets ([assets] directory), relative to the config in the repo.
    .replace(/^directory\s*=\s*"\.\/console"$/m, `directory = ${JSON.stringify(join(ROOT, "console"))}`);
  if (overrides.withoutConsole) toml = toml.replace(/^\[assets\]\ndirectory\s*=.*\n/m, "");
  if (overrides.queueBatchSize !== undefined) {
    // The first consumer block is the delivery queue; the dead-letter consumer keeps its own.
    toml = toml.replace(/^max_batch_size\s*=.*$/m, `max_batch_size = ${overrides.queueBatchSize}`);
  }
  return toml;
}

export interface WorkerOptions {
  /** Config file to use instead of the repo's wrangler.toml. */
  config?: string;
  /** A pre-built bundle (from buildWorkerSnapshot) to run with --no-bundle instead of the sources. */
  script?: string;
  port: number;
  persistTo?: string;
  /** `--var KEY:VALUE` overrides (they win over wrangler.toml [vars] and .dev.vars). */
  vars?: Record<string, string>;
  testScheduled?: boolean;
  logFile?: string;
  echo?: boolean;
  /** Outbound fetches skip miniflare's local-only CF-Connecting-IP hop (scripts/lib/cf-ip-hop.ts); dev-server.ts only. */
  directOutbound?: boolean;
}

/** True when `L2MSG_INSPECTOR=1`: run plain `wrangler dev` (DevTools inspector attached) instead of dev-server.ts. */
export function inspectorRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.L2MSG_INSPECTOR === "1" || env.L2MSG_INSPECTOR === "true";
}

/**
 * Starts the worker in local mode in its own process group. By default through
 * `scripts/lib/dev-server.ts` (wrangler's `unstable_startWorker` with the inspector off: the
 * inspector proxy of `wrangler dev` sends every DevTools message to wrangler's node process, which
 * piles up loopback sockets and slows the worker down under load, BENCHMARKS.md);
 * `L2MSG_INSPECTOR=1` runs `wrangler dev` instead, for DevTools. Same config, persist dir,
 * .dev.vars and `--var` overrides either way.
 */
export function startWorker(options: WorkerOptions): GroupProcess {
  const config = options.config ?? join(ROOT, "wrangler.toml");
  const common = ["--config", config, "--port", String(options.port)];
  if (options.persistTo) common.push("--persist-to", options.persistTo);
  if (options.testScheduled) common.push("--test-scheduled");
  for (const [key, value] of Object.entries(options.vars ?? {})) common.push("--var", `${key}:${value}`);
  const spawnOptions = { cwd: ROOT, env: wranglerEnv(), logFile: options.logFile, echo: options.echo };
  if (!inspectorRequested()) {
    // `node --import tsx` rather than the tsx CLI: one process, so signals reach it directly.
    const args = ["--import", "tsx", DEV_SERVER, ...common, ...(options.script ? ["--script", options.script] : []), ...(options.directOutbound ? ["--direct-outbound"] : [])];
    return spawnGroup("worker", process.execPath, args, spawnOptions);
  }
  const args = ["dev", ...(options.script ? [options.script, "--no-bundle"] : []), ...common, "--ip", "127.0.0.1", "--local", "--show-interactive-dev-session=false"];
  // --inspector-port 0: several local workers (bench, drills, npm start) must not fight over 9229.
  args.push("--inspector-port", "0");
  return spawnGroup("worker", WRANGLER_BIN, args, spawnOptions);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The local runtime's own URL, which dev-server.ts prints as `Runtime on URL` once wrangler
 * hands it to its proxy: requests sent there skip wrangler's local-only ProxyWorker hop. Read
 * from the worker's log (`logFile` of startWorker) past byte `from` (where this start's output
 * begins); throws after `timeoutMs` without it (plain `wrangler dev`, L2MSG_INSPECTOR=1, prints none).
 */
export async function runtimeUrlFromLog(logFile: string, from = 0, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = /^Runtime on (http:\/\/\S+)$/m.exec(readFileSync(logFile).subarray(from).toString("utf8"));
    if (found) return found[1] as string;
    if (Date.now() > deadline) throw new Error(`no "Runtime on" line in ${logFile} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Polls `url` until it answers with any HTTP status; throws after `timeoutMs` or if `proc` exits first. */
export async function waitForHttp(url: string, timeoutMs: number, proc?: GroupProcess): Promise<void> {
  let exited = false;
  void proc?.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc?.name ?? "process"} exited before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * Fires the worker's scheduled handler. `/cdn-cgi/handler/scheduled` is served by the local
 * runtime itself; `/__scheduled` (`--test-scheduled`) is a bundling middleware and 404s under
 * `--no-bundle`, which the bench and drills use. Throws unless it answers 200.
 *
 * Each attempt is short and a silent one is sent again: wrangler's ProxyWorker (in front of the
 * worker in both `wrangler dev` and dev-server.ts) parks a GET whose forward to the worker fails
 * in a retry queue that it only works off when the NEXT request arrives (ProxyWorker.js
 * `requestRetryQueue`). With nothing else arriving (the bench's drain phase), such a trigger
 * hangs until its timeout; a new request releases it (the parked run then also fires, harmless:
 * a sweep only takes unleased rows).
 */
export async function triggerScheduled(baseUrl: string, cron = "* * * * *", attemptMs = 5_000, attempts = 6, options: { path?: string; time?: number } = {}): Promise<void> {
  // `time` sets the controller's scheduledTime (the clock housekeeping runs on): the bench uses
  // a future time to prune what it delivered. `path`: npm start's local runtime uses /__scheduled.
  const { path = "/cdn-cgi/handler/scheduled", time } = options;
  const query = `cron=${encodeURIComponent(cron)}${time === undefined ? "" : `&time=${Math.round(time)}`}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${baseUrl}${path}?${query}`, { signal: AbortSignal.timeout(attemptMs) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`scheduled trigger: HTTP ${res.status} ${text.slice(0, 200)}`);
      return;
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      if (!timedOut || attempt >= attempts) throw error;
    }
  }
}
