// Drills on the connector side: its durable outbox (connector/outbox.ts) is pre-filled with a
// backlog, then the connector process is SIGKILLed mid-backlog behind a slow worker, or the worker
// is unreachable for a while. A local proxy between the connector and the worker plays "slow"/"down".
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { Outbox } from "../../connector/outbox.ts";
import { textMessageEvent } from "../lib/ingest-client.ts";
import { spawnGroup, type GroupProcess } from "../lib/proc.ts";
import { startProxy, type Proxy } from "../lib/proxy.ts";
import { ROOT } from "../lib/wrangler.ts";
import { INSTANCE, sleep, withDrill, type DrillContext, type DrillResult } from "./harness.ts";

/** The id the drills' connector process runs under; the drill's instance is placed on it. */
const DRILL_CONNECTOR = "drill-connector";

/** Writes `count` events into the connector's outbox file, as its sessions would. */
function fillOutbox(dataDir: string, ctx: DrillContext, prefix: string, count: number): void {
  mkdirSync(dataDir, { recursive: true });
  const outbox = new Outbox(join(dataDir, "outbox.sqlite"), {
    maxEvents: 1_000_000, maxBytes: 1024 ** 3, maxEventBytes: 4 * 1024 * 1024, logger: pino({ level: "silent" }),
  });
  const events = [];
  for (let i = 0; i < count; i++) {
    const { id, ...event } = textMessageEvent(INSTANCE, `${prefix}-${i}`, Date.now());
    ctx.ids.push(id);
    // As the connector's sessions would: at the epoch it holds the instance at.
    events.push({ ...event, epoch: ctx.worker.ingest.epochs?.get(INSTANCE) });
  }
  outbox.append(events);
  outbox.close();
}

function startConnectorProcess(ctx: DrillContext, proxy: Proxy, dataDir: string): GroupProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WORKER_URL: proxy.url,
    CONNECTOR_SECRET: ctx.worker.ingest.secret,
    CONNECTOR_ID: DRILL_CONNECTOR,
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
  };
  return spawnGroup("connector", join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "connector", "index.ts")], {
    cwd: ROOT, env, logFile: join(ctx.worker.dir, "connector.log"),
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(25);
  return condition();
}

/** SIGKILL while a batch is in flight at a slow worker; the restarted connector resends it, the worker dedups. */
export function connectorKilledMidBacklog(): Promise<DrillResult> {
  return withDrill("connector-kill", { receiverMode: "ok", connectorId: DRILL_CONNECTOR }, async (ctx) => {
    const proxy = await startProxy(ctx.worker.baseUrl, 1_500);
    const dataDir = join(ctx.worker.dir, "connector");
    fillOutbox(dataDir, ctx, "connector-kill", 1_200);
    let connector = startConnectorProcess(ctx, proxy, dataDir);
    try {
      ctx.check(await waitFor(() => proxy.completed >= 1, 60_000), "the connector forwarded nothing within 60 s");
      await sleep(500); // the second batch is now inside the slow proxy
      await connector.stop("SIGKILL");
      ctx.notes.push(`connector SIGKILLed after ${proxy.completed} accepted batch(es), with one in flight`);
      proxy.delayMs = 0;
      connector = startConnectorProcess(ctx, proxy, dataDir);
      await ctx.receiver.waitForEvents(ctx.ids.length, 90_000);
      ctx.notes.push(`the restarted connector resent ${proxy.ingestDuplicates} event(s) the worker had already stored (answered as duplicates)`);
    } finally {
      await connector.stop("SIGTERM");
      await proxy.close();
    }
  }, 30_000);
}

/** The worker is unreachable for 8 s while the connector has a backlog; nothing is lost. */
export function workerUnreachable(): Promise<DrillResult> {
  return withDrill("worker-unreachable", { receiverMode: "ok", connectorId: DRILL_CONNECTOR }, async (ctx) => {
    const proxy = await startProxy(ctx.worker.baseUrl);
    await proxy.down();
    const dataDir = join(ctx.worker.dir, "connector");
    fillOutbox(dataDir, ctx, "worker-unreachable", 300);
    const connector = startConnectorProcess(ctx, proxy, dataDir);
    try {
      await sleep(8_000);
      ctx.check(ctx.receiver.stats().distinctEvents === 0, "events arrived while the worker was unreachable");
      await proxy.up();
      ctx.notes.push("worker unreachable (connection refused) for 8 s, then back");
      await ctx.receiver.waitForEvents(ctx.ids.length, 90_000);
    } finally {
      await connector.stop("SIGTERM");
      await proxy.close();
    }
  }, 30_000);
}
