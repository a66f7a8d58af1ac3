// A throwaway local worker for the bench and the drills: its own persist dir, spare port,
// migrations applied, vars overridden with --var, an instance with a webhook on a local receiver.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setUpInstance, type ApiTarget } from "./api.ts";
import { claimInstances, type FleetClaim } from "./fleet-client.ts";
import type { IngestTarget } from "./ingest-client.ts";
import type { GroupProcess } from "./proc.ts";
import { applyLocalMigrations, buildWorkerSnapshot, runtimeUrlFromLog, startWorker, throwawayConfig, waitForHttp, type ConfigOverrides } from "./wrangler.ts";

export async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface LocalWorker {
  dir: string;
  port: number;
  baseUrl: string;
  vars: Record<string, string>;
  api: ApiTarget;
  ingest: IngestTarget;
  /** Stand-in connectors holding instances for `ingest` (withInstance); closed on stop. */
  claims: FleetClaim[];
  proc: GroupProcess;
  logFile: string;
  /** Starts the worker again on the same port and persist dir (after a kill). */
  restart(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the worker and deletes its dir (kept when `keepFiles`, or with L2MSG_KEEP_TMP set). */
  dispose(keepFiles?: boolean): Promise<void>;
}

export interface LocalWorkerOptions {
  vars?: Record<string, string>;
  testScheduled?: boolean;
  config?: ConfigOverrides;
  label: string;
  /** Where the worker's directory (bundle, local D1 and queue state, log) is made; the OS temp dir by default. */
  baseDir?: string;
  /** Webhook POSTs skip miniflare's local-only CF-Connecting-IP hop (scripts/lib/cf-ip-hop.ts). */
  directOutbound?: boolean;
  /** `ingest` posts to the runtime itself, skipping wrangler's local-only proxy (dev-server.ts); the API still goes through it. */
  directInbound?: boolean;
}

export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), `l2msg-${options.label}-`));
  const persistTo = join(dir, "state");
  const script = await buildWorkerSnapshot(join(dir, "build"));
  const config = join(dir, "wrangler.toml");
  writeFileSync(config, throwawayConfig(script, options.config));
  await applyLocalMigrations(persistTo, config);
  const port = await sparePort();
  const apiKey = randomBytes(24).toString("base64url");
  const secret = randomBytes(24).toString("base64url");
  const vars = {
    AUTHENTICATION_API_KEY: apiKey,
    CONNECTOR_SECRET: secret,
    WEBHOOK_ALLOW_PRIVATE_URLS: "true",
    SERVER_URL: `http://127.0.0.1:${port}`,
    ...options.vars,
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const logFile = join(dir, "worker.log");
  const ingest: IngestTarget = { baseUrl, secret, connectorId: `${options.label}-client`, epochs: new Map() };
  const launch = async () => {
    const logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
    const proc = startWorker({ script, config, port, persistTo, vars, testScheduled: options.testScheduled, logFile, directOutbound: options.directOutbound });
    try {
      await waitForHttp(`${baseUrl}/openapi.json`, 90_000, proc);
      // A restarted runtime has a new port: read this start's line.
      if (options.directInbound) ingest.baseUrl = await runtimeUrlFromLog(logFile, logFrom);
    } catch (error) {
      await proc.stop("SIGKILL");
      throw error;
    }
    return proc;
  };
  const worker: LocalWorker = {
    dir,
    port,
    baseUrl,
    vars,
    api: { baseUrl, apiKey },
    ingest,
    claims: [],
    proc: await launch(),
    logFile,
    restart: async () => {
      worker.proc = await launch();
    },
    stop: (signal = "SIGTERM") => worker.proc.stop(signal),
    dispose: async (keepFiles = false) => {
      for (const claim of worker.claims) claim.close();
      await worker.proc.stop("SIGTERM");
      if (!keepFiles && !process.env.L2MSG_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    },
  };
  return worker;
}

/**
 * Creates `instance` with a MESSAGES_UPSERT webhook pointing at `receiverUrl`, owned by the
 * `worker.ingest` connector id (a stand-in connector holds it), so its posted events pass the ingest fence.
 */
export async function withInstance(worker: LocalWorker, instance: string, receiverUrl: string): Promise<void> {
  await setUpInstance(worker.api, instance, receiverUrl);
  const claim = await claimInstances(worker.baseUrl, worker.api, worker.ingest.secret, worker.ingest.connectorId, [instance]);
  worker.claims.push(claim);
  for (const [name, epoch] of claim.epochs) worker.ingest.epochs?.set(name, epoch);
}
