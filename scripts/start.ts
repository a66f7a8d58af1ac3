// `npm start`: the whole local stack in one command — .dev.vars (generated on first run), local
// D1 migrations, the worker on 127.0.0.1:8787 (scripts/lib/dev-server.ts: wrangler in local mode
// with the inspector off; `L2MSG_INSPECTOR=1` uses `wrangler dev`) and one connector, which dials
// the worker's connector socket (it opens no port of its own).
// Ctrl-C / SIGTERM stops both process groups. Local only: no Cloudflare account, no login, no telemetry.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildDevVars, missingSecrets, parseDevVars } from "./lib/dev-vars.ts";
import { spawnGroup, type GroupProcess } from "./lib/proc.ts";
import { applyLocalMigrations, ROOT, startWorker, triggerScheduled, waitForHttp } from "./lib/wrangler.ts";

const WORKER_PORT = 8787;
const API_URL = `http://127.0.0.1:${WORKER_PORT}`;

function ensureDevVars(): Record<string, string> {
  const path = join(ROOT, ".dev.vars");
  if (!existsSync(path)) {
    const example = readFileSync(join(ROOT, ".dev.vars.example"), "utf8");
    const { text, generated } = buildDevVars(example, () => randomBytes(32).toString("base64url"));
    writeFileSync(path, text, { mode: 0o600 });
    console.log("Created .dev.vars with generated secrets (shown once; they stay in .dev.vars):");
    for (const [name, value] of Object.entries(generated)) console.log(`  ${name}=${value}`);
  }
  const vars = parseDevVars(readFileSync(path, "utf8"));
  const missing = missingSecrets(vars);
  if (missing.length) throw new Error(`.dev.vars lacks ${missing.join(", ")}; set them or delete .dev.vars to regenerate it`);
  return vars;
}

/** The connector's CREDENTIALS_KEY: from the environment, else one generated once into .data/credentials.key. */
function credentialsKey(): string {
  if (process.env.CREDENTIALS_KEY) return process.env.CREDENTIALS_KEY;
  const path = join(ROOT, ".data", "credentials.key");
  if (!existsSync(path)) {
    mkdirSync(join(ROOT, ".data"), { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    console.log(`Created ${path} (CREDENTIALS_KEY of local connectors; give a second connector the same one).`);
  }
  return readFileSync(path, "utf8").trim();
}

function startConnector(secret: string): GroupProcess | undefined {
  const entry = join(ROOT, "connector", "index.ts");
  if (!existsSync(entry)) {
    console.warn("connector/index.ts not found: starting the worker only.");
    return undefined;
  }
  const dataDir = join(ROOT, ".data", "connector");
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WORKER_URL: API_URL,
    CONNECTOR_SECRET: secret,
    CONNECTOR_ID: process.env.CONNECTOR_ID ?? "local",
    DATA_DIR: dataDir,
    CREDENTIALS_KEY: credentialsKey(),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
  };
  return spawnGroup("connector", join(ROOT, "node_modules", ".bin", "tsx"), [entry], { cwd: ROOT, env, echo: true });
}

/**
 * The local runtime never fires cron triggers by itself; the local stack fires the scheduled handler
 * every minute like production does, so the sweep re-enqueues deliveries a reload dropped.
 */
function runCronLocally(): void {
  setInterval(() => {
    // `/__scheduled` (--test-scheduled, the bundled worker): with the console's [assets] the local
    // runtime answers `/cdn-cgi/handler/scheduled` with a 500 (wrangler 4.86).
    triggerScheduled(API_URL, "* * * * *", 5_000, 6, { path: "/__scheduled" }).catch(() => undefined);
  }, 60_000).unref();
}

function printBanner(apiKey: string): void {
  console.log(`
l2msg is running (Ctrl-C stops everything)
  Console    ${API_URL}/manager   (sign in with the AUTHENTICATION_API_KEY from .dev.vars)
  API        ${API_URL}
  Docs       ${API_URL}/docs
  OpenAPI    ${API_URL}/openapi.json
  Connector  ${process.env.CONNECTOR_ID ?? "local"}, connected to ws://127.0.0.1:${WORKER_PORT}/connector/v1/connect
  More       CONNECTOR_ID=b DATA_DIR=.data/b WORKER_URL=${API_URL} CONNECTOR_SECRET=… CREDENTIALS_KEY=$(cat .data/credentials.key) npm run connector
  Cron       the scheduled handler (delivery sweep) is fired every minute
Try it:
  curl -s -X POST ${API_URL}/instance/create \\
    -H 'apikey: ${apiKey}' -H 'content-type: application/json' \\
    -d '{"instanceName":"sales","qrcode":true}'
`);
}

const children: GroupProcess[] = [];
let stopping = false;

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping...");
  await Promise.all(children.map((child) => child.stop("SIGTERM", 5_000)));
  process.exit(code);
}

/** Our ancestors (npm, sh, tsx) at start: `npm start` killed with SIGTERM does not forward it, so we watch them. */
function ancestorPids(): number[] {
  const pids: number[] = [];
  for (let pid = process.ppid; pid > 1 && pids.length < 8; ) {
    pids.push(pid);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  }
  return pids;
}

function stopWhenOrphaned(): void {
  let ancestors: number[] = [];
  try {
    ancestors = ancestorPids();
  } catch {
    return; // No /proc: rely on signals only.
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  setInterval(() => {
    if (!ancestors.every(alive)) void stopAll(0);
  }, 1_000).unref();
}

async function main(): Promise<void> {
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));
  process.on("SIGHUP", () => void stopAll(0));
  stopWhenOrphaned();
  const vars = ensureDevVars();
  console.log("Applying local D1 migrations...");
  await applyLocalMigrations();

  const worker = startWorker({ port: WORKER_PORT, echo: true, testScheduled: true });
  children.push(worker);
  void worker.exited.then(() => {
    if (!stopping) console.error("The worker exited; stopping.");
    void stopAll(1);
  });
  await waitForHttp(`${API_URL}/openapi.json`, 90_000, worker);

  const connector = startConnector(vars.CONNECTOR_SECRET!);
  if (connector) {
    children.push(connector);
    void connector.exited.then(() => {
      if (!stopping) console.error("The connector exited; stopping.");
      void stopAll(1);
    });
  }
  runCronLocally();
  printBanner(vars.AUTHENTICATION_API_KEY!);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  void stopAll(1);
});
