// Starts a whole connector in-process (fake sockets, worker stand-in, temp DATA_DIR) for the
// session and command suites, and tears it down.
import type { ConnectorTuning } from "../../connector/config.ts";
import { startConnector, type ConnectorDeps, type RunningConnector } from "../../connector/index.ts";
import { COMMAND_PATHS, DEFAULT_CONNECTOR_SETTINGS } from "../../protocol/commands.ts";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import type { Assignment } from "../../protocol/fleet.ts";
import { attachFleetStub, socketCommand } from "./fleet-stub.ts";
import { captureLogger, openSocket, socketFactory, startWorkerStub, tempDir, testConfig, waitFor, type FakeSocket } from "./helpers.ts";

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export async function startHarness(options: { dir?: string; deps?: ConnectorDeps; env?: Record<string, string>; tuning?: Partial<ConnectorTuning>; owned?: Assignment[] } = {}) {
  const worker = await startWorkerStub();
  const fleet = attachFleetStub(worker.server, { owned: options.owned });
  const dir = options.dir ? { path: options.dir, cleanup: () => undefined } : tempDir();
  const sockets = socketFactory();
  const { logger, lines } = captureLogger();
  const config = testConfig(dir.path, worker.url, options.env, options.tuning);
  const connector: RunningConnector = await startConnector(config, { socketFactory: sockets.factory, logger, ...options.deps });
  // Commands in the tests come after the worker's first assignment list, as in production.
  await fleet.ready();
  const ofType = (type: string, instance = "sales"): ConnectorEvent[] => worker.events().filter((e) => e.type === type && e.instance === instance);
  return {
    worker,
    fleet,
    dir,
    sockets,
    lines,
    connector,
    ofType,
    /** Waits until the outbox is empty and the worker holds `count` events of `type`. */
    async expectEvents(type: string, count: number, instance = "sales"): Promise<ConnectorEvent[]> {
      await waitFor(() => ofType(type, instance).length >= count, 5_000, `${count} ${type}`);
      return ofType(type, instance);
    },
    async drained(): Promise<void> {
      await waitFor(() => connector.outbox.pending().events === 0, 5_000, "outbox drained");
    },
    async stop(options: { keepDir?: boolean } = {}): Promise<void> {
      await connector.stop();
      fleet.close();
      await worker.close();
      if (!options.keepDir) dir.cleanup();
    },
  };
}

/** Connects instance `name` on the harness and opens its (fake) socket: the usual start of a session test. */
export async function connected(harness: Harness, name = "sales"): Promise<FakeSocket> {
  const connecting = harness.connector.registry.getOrCreate(name).connect(undefined);
  const sock = harness.sockets.sockets.at(-1)!;
  openSocket(sock);
  await connecting;
  return sock;
}

/** The worker's settings command with `mediaBase64` (some webhook wants base64 or none does), as the worker pushes it. */
export async function setMediaBase64(harness: Harness, mediaBase64: boolean, name = "sales"): Promise<void> {
  const response = await socketCommand(harness.fleet, harness.connector, "POST", COMMAND_PATHS.settings(name), { ...DEFAULT_CONNECTOR_SETTINGS, mediaBase64 });
  if (response.status !== 200) throw new Error(`settings command answered ${response.status}: ${await response.text()}`);
}
