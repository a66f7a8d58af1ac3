// The whole local stack for end-to-end suites: fake WhatsApp, a recording webhook receiver, the
// worker (scripts/lib/dev-server.ts: local D1 + Queues) and the real connector in-process, wired together.
// Starts once per test file; `stop()` ends everything it started, even after a partial start.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startConnector, type RunningConnector } from "../../../connector/index.ts";
import { parseConfig } from "../../../connector/config.ts";
import { callApi, type ApiResponse } from "../../../scripts/lib/api.ts";
import { startLocalWorker, type LocalWorker } from "../../../scripts/lib/local-stack.ts";
import { startFakeWhatsApp, type FakeWhatsApp } from "../../fake-wa/index.ts";
import { startWebhookInbox, type WebhookInbox } from "./webhook-inbox.ts";

export interface Stack {
  wa: FakeWhatsApp;
  inbox: WebhookInbox;
  worker: LocalWorker;
  connector: RunningConnector;
  /** A management API call with the global `apikey`. */
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** Starts another connector of the fleet (its own CONNECTOR_ID and DATA_DIR), connected to the worker. */
  addConnector(id: string): Promise<RunningConnector>;
  stop(): Promise<void>;
}

/** `vars` are extra worker vars (e.g. a shorter retry delay for a suite that waits on retries). */
export async function startStack(label: string, vars: Record<string, string> = {}): Promise<Stack> {
  const started: { wa?: FakeWhatsApp; inbox?: WebhookInbox; worker?: LocalWorker; connector?: RunningConnector } = {};
  const dataDir = mkdtempSync(join(tmpdir(), `l2msg-${label}-connector-`));
  const extra: { connector: RunningConnector; dir: string }[] = [];
  const stop = async () => {
    for (const { connector, dir } of extra) {
      await connector.stop({ flush: false }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    await started.connector?.stop({ flush: false }).catch(() => undefined);
    await started.worker?.dispose().catch(() => undefined);
    await started.inbox?.close().catch(() => undefined);
    await started.wa?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    started.wa = await startFakeWhatsApp();
    started.inbox = await startWebhookInbox();
    // The connector dials the worker (WORKER_URL); the worker needs no address for it.
    started.worker = await startLocalWorker({ label, vars: { WEBHOOK_ALLOW_PRIVATE_URLS: "true", ...vars } });
    const config = connectorConfig(started.worker, started.wa, `${label}-connector`, dataDir);
    started.connector = await startConnector(config);
    if (!(await started.connector.link.waitConnected(30_000))) throw new Error("the connector did not reach the worker's socket within 30 s");
  } catch (error) {
    await stop();
    throw error;
  }
  const { wa, inbox, worker, connector } = started as Required<typeof started>;
  const addConnector = async (id: string) => {
    const dir = mkdtempSync(join(tmpdir(), `l2msg-${label}-${id}-`));
    const added = await startConnector(connectorConfig(worker, wa, id, dir));
    extra.push({ connector: added, dir });
    if (!(await added.link.waitConnected(30_000))) throw new Error(`connector ${id} did not reach the worker's socket within 30 s`);
    return added;
  };
  return { wa, inbox, worker, connector, api: (method, path, body) => callApi(worker.api, method, path, body), addConnector, stop };
}

function connectorConfig(worker: LocalWorker, wa: FakeWhatsApp, id: string, dataDir: string) {
  return parseConfig(
    {
      WORKER_URL: worker.baseUrl,
      CONNECTOR_SECRET: worker.vars.CONNECTOR_SECRET,
      CONNECTOR_ID: id,
      DATA_DIR: dataDir,
      WA_WEBSOCKET_URL: wa.url,
      LOG_LEVEL: "warn",
      BAILEYS_LOG_LEVEL: "silent",
      CREDENTIALS_KEY: CREDENTIALS_KEY,
    },
    { forwardLingerMs: 50 },
  );
}

/** One key for every connector of a stack: any of them can take an instance over. */
const CREDENTIALS_KEY = randomBytes(32).toString("base64");

/** Polls `probe` every 100 ms until it returns something other than undefined, for at most `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
