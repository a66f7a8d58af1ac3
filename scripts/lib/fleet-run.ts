// A whole fleet on one machine for the fleet drills and the fleet e2e suite: a throwaway local worker,
// a webhook receiver, the fake WhatsApp server (test/fake-wa/) and N real connector processes (each
// its own CONNECTOR_ID and DATA_DIR, one CREDENTIALS_KEY), plus the steps the scenarios share:
// pair instances, find owners, wait for an instance to be open on another connector, send inbound.
// Test tooling only (127.0.0.1); production never loads test/fake-wa/.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startFakeWhatsApp, type FakePhone, type FakeWhatsApp } from "../../test/fake-wa/index.ts";
import { callApi, setWebhook } from "./api.ts";
import { startLocalWorker, type LocalWorker } from "./local-stack.ts";
import { spawnGroup, type GroupProcess } from "./proc.ts";
import { startReceiver, type Receiver } from "./receiver.ts";
import { percentile } from "./stats.ts";
import { ROOT } from "./wrangler.ts";

export interface FleetInstance {
  name: string;
  phone: FakePhone;
}

export interface Fleet {
  worker: LocalWorker;
  receiver: Receiver;
  wa: FakeWhatsApp;
  connectors: Map<string, GroupProcess>;
  /** Creates and pairs `count` instances (webhook on the receiver); resolves once each is open. */
  pair(count: number, prefix: string): Promise<FleetInstance[]>;
  /** Instance name → owning connector id (fetchInstances `connectorId`). */
  owners(): Promise<Map<string, string | null>>;
  /** Resolves with the ms from `since` until `name` is open on a connector other than `not`; throws after `timeoutMs`. */
  openElsewhere(name: string, not: string, since: number, timeoutMs: number): Promise<number>;
  /**
   * Median and p95 ms of `rounds` `GET /instance/connectionState` calls (a state command down the
   * owner's socket and its signed answer) next to `GET /settings/find` (the same worker, D1 only).
   */
  roundTrips(name: string, rounds: number): Promise<{ command: { p50: number; p95: number }; d1Only: { p50: number; p95: number } }>;
  /** An inbound text to the instance; its id, which the receiver sees as `data.key.id`. */
  inbound(instance: FleetInstance, text: string): Promise<string>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function poll<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function startConnectorProcess(worker: LocalWorker, wa: FakeWhatsApp, id: string, credentialsKey: string): GroupProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WORKER_URL: worker.baseUrl,
    CONNECTOR_SECRET: worker.ingest.secret,
    CONNECTOR_ID: id,
    DATA_DIR: join(worker.dir, `connector-${id}`),
    WA_WEBSOCKET_URL: wa.url,
    FAKE_WA_ROOT_PUBLIC_KEY: wa.rootPublicKeyHex,
    CREDENTIALS_KEY: credentialsKey,
    LOG_LEVEL: "warn",
    BAILEYS_LOG_LEVEL: "silent",
  };
  const args = ["--import", "tsx", "--import", join(ROOT, "test", "fake-wa", "trust-root-preload.ts"), join(ROOT, "connector", "index.ts")];
  return spawnGroup(`connector-${id}`, process.execPath, args, { cwd: ROOT, env, logFile: join(worker.dir, `connector-${id}.log`) });
}

export async function startFleet(label: string, connectorIds: string[]): Promise<Fleet> {
  const worker = await startLocalWorker({ label, config: { withoutConsole: true } });
  const receiver = await startReceiver("ok");
  const wa = await startFakeWhatsApp();
  const credentialsKey = randomBytes(32).toString("base64");
  const connectors = new Map(connectorIds.map((id) => [id, startConnectorProcess(worker, wa, id, credentialsKey)]));
  const api = (method: string, path: string, body?: unknown) => callApi(worker.api, method, path, body);
  const close = async () => {
    for (const proc of connectors.values()) await proc.stop("SIGKILL");
    await worker.dispose();
    await receiver.close();
    await wa.close();
  };
  try {
    await poll(async () => {
      const listed = (await api("GET", "/connectors")).json as { id: string; live: boolean }[];
      return connectorIds.every((id) => listed.some((c) => c.id === id && c.live)) ? true : undefined;
    }, "every connector live on the worker", 60_000);
  } catch (error) {
    await close();
    throw error;
  }
  let accounts = 0;
  const stateOf = async (name: string) => (await api("GET", `/instance/connectionState/${name}`)).json?.instance?.state as string | undefined;
  const owners = async () => {
    const listed = (await api("GET", "/instance/fetchInstances")).json as { instance: { instanceName: string; connectorId: string | null } }[];
    return new Map(listed.map((i) => [i.instance.instanceName, i.instance.connectorId]));
  };
  const pairOne = async (name: string): Promise<FleetInstance> => {
    const phone = wa.phone(`1555${String(Date.now() % 1_000_000).padStart(6, "0")}${String(++accounts).padStart(2, "0")}`.slice(0, 13));
    const created = await api("POST", "/instance/create", { instanceName: name, qrcode: true });
    const qr = created.json?.qrcode?.code as string | undefined;
    if (created.status !== 201 || !qr) throw new Error(`create ${name}: HTTP ${created.status} ${JSON.stringify(created.json).slice(0, 300)}`);
    await setWebhook(worker.api, name, receiver.url);
    await phone.scanQr(qr);
    await phone.waitForOnline(30_000);
    await poll(async () => ((await stateOf(name)) === "open" ? true : undefined), `${name} open`, 30_000);
    return { name, phone };
  };
  return {
    worker,
    receiver,
    wa,
    connectors,
    owners,
    async pair(count, prefix) {
      const paired: FleetInstance[] = [];
      for (let i = 0; i < count; i++) paired.push(await pairOne(`${prefix}-${i}`));
      return paired;
    },
    async openElsewhere(name, not, since, timeoutMs) {
      return poll(async () => {
        const owner = (await owners()).get(name);
        if (!owner || owner === not) return undefined;
        return (await stateOf(name)) === "open" ? Date.now() - since : undefined;
      }, `${name} open on another connector than ${not}`, timeoutMs, 250);
    },
    async roundTrips(name, rounds) {
      const time = async (path: string) => {
        const ms: number[] = [];
        for (let i = 0; i < rounds; i++) {
          const started = performance.now();
          const res = await api("GET", path);
          if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
          ms.push(performance.now() - started);
        }
        return { p50: Math.round(percentile(ms, 50) * 10) / 10, p95: Math.round(percentile(ms, 95) * 10) / 10 };
      };
      return { command: await time(`/instance/connectionState/${name}`), d1Only: await time(`/settings/find/${name}`) };
    },
    async inbound(instance, text) {
      const { id } = await instance.phone.sendText({ from: "15553334444", text });
      return id;
    },
    close,
  };
}

/** The connector owning the most instances (ties: the first in `ids` order) and what it owns. */
export function busiest(owners: Map<string, string | null>, ids: string[]): { id: string; instances: string[] } {
  const byConnector = ids.map((id) => ({ id, instances: [...owners].filter(([, owner]) => owner === id).map(([name]) => name) }));
  return byConnector.reduce((best, c) => (c.instances.length > best.instances.length ? c : best));
}
