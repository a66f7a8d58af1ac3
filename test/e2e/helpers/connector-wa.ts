// The real connector in-process against the fake WhatsApp server, with a signature-checking
// worker stand-in instead of the whole worker: for connector behaviour that needs real Baileys
// sockets (login payload, stream failures, calls, retries) but not webhook delivery.
import { startConnector, type RunningConnector } from "../../../connector/index.ts";
import type { ConnectorTuning } from "../../../connector/config.ts";
import { captureLogger, startWorkerStub, tempDir, testConfig, waitFor } from "../../connector/helpers.ts";
import { startFakeWhatsApp, type FakePhone, type FakeWhatsApp } from "../../fake-wa/index.ts";
import { attachFleetStub } from "../../connector/fleet-stub.ts";
import type { Assignment } from "../../../protocol/fleet.ts";

export type ConnectorOnWa = Awaited<ReturnType<typeof startConnectorOnWa>>;

export async function startConnectorOnWa(options: { env?: Record<string, string>; tuning?: Partial<ConnectorTuning>; wa?: FakeWhatsApp; dir?: string; owned?: Assignment[] } = {}) {
  const wa = options.wa ?? (await startFakeWhatsApp());
  const worker = await startWorkerStub();
  // The worker's socket: its assignment list says which paired instances this connector runs.
  const fleet = attachFleetStub(worker.server, { owned: options.owned });
  const dir = options.dir ? { path: options.dir, cleanup: () => undefined } : tempDir();
  const { logger, lines } = captureLogger("debug");
  const config = testConfig(dir.path, worker.url, { WA_WEBSOCKET_URL: wa.url, ...options.env }, { connectWaitMs: 10_000, ...options.tuning });
  const connector: RunningConnector = await startConnector(config, { logger });
  await fleet.ready();
  const ofType = (type: string, instance = "sales") => worker.events().filter((e) => e.type === type && e.instance === instance);
  return {
    wa,
    worker,
    dir,
    lines,
    fleet,
    connector,
    ofType,
    /** Connects `instance`, lets `phone` scan the QR, and waits until the connector reports open. */
    async pair(phone: FakePhone, instance = "sales"): Promise<void> {
      const status = await connector.registry.getOrCreate(instance).connect(undefined);
      if (!status.qr) throw new Error(`no QR for ${instance}: ${JSON.stringify(status)}`);
      await phone.scanQr(status.qr.code);
      await phone.waitForOnline(20_000);
      await waitFor(() => connector.registry.status(instance).state === "open", 20_000, `${instance} open`);
    },
    async stop(stopOptions: { keepWa?: boolean; keepDir?: boolean } = {}): Promise<void> {
      await connector.stop();
      fleet.close();
      await worker.close();
      if (!stopOptions.keepWa) await wa.close();
      if (!stopOptions.keepDir) dir.cleanup();
    },
  };
}
