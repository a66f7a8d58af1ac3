// Composition root of the connector: wires config, stores, forwarder, sessions and the worker
// socket that commands arrive on. It opens no listening port. `startConnector` runs it in-process
// (tests, e2e); run as a script it reads the environment once, starts, and shuts down on SIGTERM/SIGINT.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import makeWASocket, { downloadMediaMessage } from "@whiskeysockets/baileys";
import pino, { type Logger } from "pino";
import packageJson from "../package.json" with { type: "json" };
import { SqliteAuthStore } from "./auth-store.ts";
import { SentMessageStore } from "./sent-messages.ts";
import { ConfigError, parseConfig, type ConnectorConfig } from "./config.ts";
import { FleetMember } from "./fleet.ts";
import { RemoteAuth } from "./remote-auth.ts";
import { FORWARD_BATCH_BYTES, Forwarder } from "./forward.ts";
import { InstanceRegistry } from "./instances.ts";
import { Outbox, type NewEvent } from "./outbox.ts";
import type { MediaDownloader, SocketFactory } from "./socket-types.ts";
import { WorkerLink, type LinkTiming } from "./worker-link.ts";

export const CONNECTOR_VERSION: string = packageJson.version;

export type ConnectorDeps = {
  socketFactory?: SocketFactory;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
  downloadMedia?: MediaDownloader;
  /** Shorter link timings for tests. */
  linkTiming?: Partial<LinkTiming>;
};

export type RunningConnector = {
  registry: InstanceRegistry;
  outbox: Outbox;
  forwarder: Forwarder;
  /** The WebSocket to the worker that commands arrive on. */
  link: WorkerLink;
  fleet: FleetMember;
  /**
   * Graceful stop; `flush: false` simulates a crash (the outbox keeps what was not sent). `drain`
   * (SIGTERM): close the WhatsApp sockets, push the final credentials, flush the outbox, then have
   * the worker hand every instance to another connector at once.
   */
  stop(options?: { flush?: boolean; drain?: boolean }): Promise<void>;
};

const defaultDownload: MediaDownloader = async (message, socket, logger) =>
  downloadMediaMessage(message, "buffer", {}, { logger, reuploadRequest: socket.updateMediaMessage });

export async function startConnector(config: ConnectorConfig, deps: ConnectorDeps = {}): Promise<RunningConnector> {
  const logger = deps.logger ?? pino({ level: config.logLevel, base: { service: "connector", connector: config.connectorId } });
  const now = deps.now ?? Date.now;
  mkdirSync(config.dataDir, { recursive: true });
  const authStore = new SqliteAuthStore(join(config.dataDir, "auth.sqlite"));
  const sentMessages = new SentMessageStore(join(config.dataDir, "messages.sqlite"), config.sentMessages, now);
  const outboxLogger = logger.child({ component: "outbox" });
  const outbox = new Outbox(join(config.dataDir, "outbox.sqlite"), {
    maxEvents: config.outboxMaxEvents,
    maxBytes: config.outboxMaxBytes,
    maxEventBytes: FORWARD_BATCH_BYTES - 1024,
    logger: outboxLogger,
  });
  const random = deps.random ?? Math.random;
  const forwarder = new Forwarder({
    outbox,
    workerUrl: config.workerUrl,
    connectorId: config.connectorId,
    key: config.connectorKey,
    tuning: config.tuning,
    logger: logger.child({ component: "forward" }),
    fetch: deps.fetch ?? fetch,
    now,
    random,
  });
  let fleet: FleetMember | undefined;
  // Each event carries the epoch this connector holds its instance at: the worker's ingest fence.
  const emit = (events: NewEvent[]) => void outbox.append(events.map((e) => ({ ...e, epoch: fleet?.epochOf(e.instance) ?? 0 })));
  const registry = new InstanceRegistry({
    config,
    logger,
    authStore,
    sentMessages,
    emit,
    socketFactory: deps.socketFactory ?? makeWASocket,
    downloadMedia: deps.downloadMedia ?? defaultDownload,
    now,
    random,
  });
  forwarder.start();

  // Paired instances are not restored from disk here: the worker's assignment list says which ones
  // this connector owns (connector/fleet.ts), and only those start (docs/connector.md#fleet).
  const controlDeps = {
    registry,
    connectorId: config.connectorId,
    version: CONNECTOR_VERSION,
    outboxPending: () => outbox.pending().events,
    logger: logger.child({ component: "control" }),
  };
  const remote = config.credentialsKey
    ? new RemoteAuth({
        store: authStore,
        workerUrl: config.workerUrl,
        connectorId: config.connectorId,
        signingKey: config.connectorKey,
        key: config.credentialsKey,
        epochOf: (instance) => fleet?.epochOf(instance),
        fetch: deps.fetch ?? fetch,
        logger: logger.child({ component: "remote-auth" }),
        now,
      })
    : undefined;
  if (!remote) logger.warn("CREDENTIALS_KEY is not set: credentials stay on this disk, and an instance moved to another connector needs a new QR");
  fleet = new FleetMember({
    registry,
    control: controlDeps,
    connectorId: config.connectorId,
    version: CONNECTOR_VERSION,
    logger: logger.child({ component: "fleet" }),
    emit,
    now,
    remote,
    restoreStaggerMs: config.tuning.restoreStaggerMs,
  });
  const link = new WorkerLink({
    workerUrl: config.workerUrl,
    connectorId: config.connectorId,
    key: config.connectorKey,
    version: CONNECTOR_VERSION,
    capacity: config.capacity,
    logger: logger.child({ component: "link" }),
    now,
    random,
    onCommand: (frame) => fleet.handle(frame),
    onLost: () => fleet.stopAll(),
    timing: deps.linkTiming,
  });
  link.start();

  logger.info({ workerUrl: config.workerUrl, version: CONNECTOR_VERSION }, "connector started");

  let stopping: Promise<void> | undefined;
  const stop = ({ flush = true, drain = false }: { flush?: boolean; drain?: boolean } = {}): Promise<void> => {
    stopping ??= (async () => {
      if (drain) {
        // Sockets first, so the next owner never overlaps with this one (WhatsApp's 440).
        await registry.shutdown();
        await remote?.flush();
        await forwarder.flush(config.tuning.shutdownFlushMs);
        await link.drain(deps.fetch ?? fetch);
      }
      await link.stop();
      await registry.shutdown();
      // The final credentials go out before the databases close.
      await remote?.flush();
      remote?.stop();
      if (flush) await forwarder.flush(config.tuning.shutdownFlushMs);
      await forwarder.stop();
      outbox.close();
      authStore.close();
      sentMessages.close();
      logger.info({ flushed: flush, pending: flush ? undefined : "kept on disk" }, "connector stopped");
    })();
    return stopping;
  };
  return { registry, outbox, forwarder, link, fleet, stop };
}

async function main(): Promise<void> {
  let config: ConnectorConfig;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  config = { ...config, dataDir: resolve(config.dataDir) };
  const connector = await startConnector(config);
  const onSignal = (signal: NodeJS.Signals): void => {
    // SIGTERM (a deploy, systemd stop) hands the instances on; SIGINT (Ctrl-C) just stops.
    void connector.stop({ drain: signal === "SIGTERM" }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
    process.stderr.write(`received ${signal}, shutting down\n`);
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`connector failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
