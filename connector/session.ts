// One instance's socket state machine: owns its Baileys socket (a new one per reconnect), its
// in-memory auth state, and an ordered event queue. Events are handled one at a time, every
// handler guarded; creds are saved and never forwarded; reconnects follow reconnect-policy.ts.
import {
  Browsers,
  jidNormalizedUser,
  type AuthenticationState,
  type BaileysEventMap,
  type ConnectionState as BaileysConnectionState,
  type GroupMetadata,
  type UserFacingSocketConfig,
  type WACallEvent,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { InstanceStatus } from "../protocol/commands.ts";
import type { SqliteAuthStore } from "./auth-store.ts";
import type { SentMessageStore } from "./sent-messages.ts";
import { isPaired } from "./auth-store.ts";
import type { ConnectorConfig } from "./config.ts";
import { qrDataUrl } from "./event-enrich.ts";
import { toJsonSafe } from "./json-safe.ts";
import { splitPayload } from "./split-event.ts";
import { MAX_EVENT_PAYLOAD_BYTES } from "../protocol/envelope.ts";
import { BoundedCache, MessageStore } from "./memory-cache.ts";
import type { NewEvent } from "./outbox.ts";
import { decideReconnect, disconnectInfo } from "./reconnect-policy.ts";
import { SessionStatus } from "./session-status.ts";
import { ReconnectSchedule } from "./session-reconnect.ts";
import { flushBuffered, logVersionRejected, sentMessageBacking, takeHistoryChunks } from "./session-socket.ts";
import { DEFAULT_CONNECTOR_SETTINGS, ignoresJid, type ConnectorSettings } from "./instance-settings.ts";
import { applyPresence, markRead, rejectCalls } from "./session-settings.ts";
import { errorMessage, prepareUpsert, trackGroups, type EventContext } from "./session-events.ts";
import type { ConnectorSocket, MediaDownloader, SocketFactory } from "./socket-types.ts";

export type SessionDeps = {
  config: ConnectorConfig;
  logger: Logger;
  baileysLogger: Logger;
  authStore: SqliteAuthStore;
  sentMessages: SentMessageStore;
  /** Durably stores events (the outbox); throws only if the disk fails. */
  emit: (events: NewEvent[]) => void;
  socketFactory: SocketFactory;
  downloadMedia: MediaDownloader;
  now: () => number;
  random: () => number;
};

export class InstanceSession {
  sock: ConnectorSocket | undefined;
  private unsubscribe: (() => void) | undefined;
  private auth: AuthenticationState | undefined;
  private readonly st = new SessionStatus();
  private readonly reconnect: ReconnectSchedule;
  private queue: Promise<void> = Promise.resolve();
  readonly ctx: EventContext;
  private readonly retryCounter = new BoundedCache<number>(10_000, 60 * 60 * 1000);
  /** Evolution's instance settings and `mediaBase64`, replaced live by the settings command. */
  settings: ConnectorSettings;

  constructor(
    readonly name: string,
    private readonly deps: SessionDeps,
  ) {
    this.settings = deps.authStore.loadSettings(name) ?? DEFAULT_CONNECTOR_SETTINGS;
    this.reconnect = new ReconnectSchedule(deps.config.tuning, deps.now, deps.random);
    this.ctx = {
      messages: new MessageStore(sentMessageBacking(deps.sentMessages, name, deps.logger)),
      groups: new BoundedCache<GroupMetadata>(500, 60 * 60 * 1000, deps.now),
      downloadMedia: deps.downloadMedia,
      mediaMaxBytes: deps.config.mediaMaxBytes,
      wantsMedia: () => this.settings.mediaBase64,
      mediaTimeoutMs: deps.config.tuning.mediaDownloadTimeoutMs,
      ignoresJid: (jid) => ignoresJid(this.settings, jid),
      logger: deps.logger,
    };
  }

  status(): InstanceStatus {
    return {
      instance: this.name,
      state: this.st.state,
      statusReason: this.st.statusReason,
      me: this.me() ?? null,
      qr: this.st.qr,
      pairingCode: this.st.pairingCode,
    };
  }

  me(): { id: string; name: string | null } | undefined {
    const user = this.sock?.user ?? this.auth?.creds.me;
    if (!user?.id) return undefined;
    return { id: jidNormalizedUser(user.id), name: user.name ?? user.notify ?? null };
  }

  isOpen(): boolean {
    return this.st.state === "open" && this.sock !== undefined;
  }

  isRunning(): boolean {
    return this.sock !== undefined || this.reconnect.pending;
  }

  /** Starts a socket from saved credentials (restore after a restart). */
  resume(): void {
    if (!this.isRunning()) this.openSocket();
  }

  /** The connect command: start or reuse the socket, then wait briefly for a QR, pairing code or open. */
  async connect(number: string | undefined): Promise<InstanceStatus> {
    this.st.usePairingNumber(number);
    if (!this.isRunning()) {
      this.resetUnpairedCreds();
      this.st.resetAttempt();
      this.reconnect.reset();
      this.openSocket();
    } else if (this.sock && this.st.qr && this.st.pairingNumber && !this.st.pairingRequested) {
      await this.requestPairingCode(this.sock);
    }
    await this.st.waitForProgress(this.deps.config.tuning.connectWaitMs, () => this.isRunning());
    return this.status();
  }

  async restart(): Promise<InstanceStatus> {
    const hadSocket = this.isRunning();
    await this.teardown();
    if (hadSocket || this.hasPairedCreds()) {
      this.reconnect.reset();
      this.openSocket();
      await this.st.waitForProgress(this.deps.config.tuning.connectWaitMs, () => this.isRunning());
    }
    return this.status();
  }

  /** Unlinks the device (when connected), wipes credentials, reports close/401. */
  async logout(): Promise<InstanceStatus> {
    const sock = this.sock;
    const wasOpen = this.st.state === "open";
    const hadSession = this.isRunning() || this.auth !== undefined;
    this.detach();
    this.reconnect.cancel();
    if (sock && wasOpen) await sock.logout().catch((e: unknown) => this.deps.logger.warn({ err: errorMessage(e) }, "logout request failed"));
    if (sock) await sock.end(undefined).catch(() => undefined);
    this.wipeCreds();
    this.st.set("close", 401);
    if (hadSession) {
      const lastDisconnect = { error: { message: "Intentional Logout", statusCode: 401 }, date: new Date(this.deps.now()) };
      await this.enqueue(() => this.forward("connection.update", { connection: "close", lastDisconnect }));
    }
    return this.status();
  }

  /** Graceful stop (shutdown): ends the socket without logging out and waits for queued events. */
  async shutdown(): Promise<void> {
    await this.teardown();
    await this.queue;
  }

  /**
   * The settings command: kept on disk and applied at once (ignored chats, calls and media downloads
   * from the next event on, presence now); `syncFullHistory` takes effect at the next pairing.
   */
  async applySettings(settings: ConnectorSettings): Promise<ConnectorSettings> {
    const presenceChanged = settings.alwaysOnline !== this.settings.alwaysOnline;
    this.deps.authStore.saveSettings(this.name, settings);
    this.settings = settings;
    if (presenceChanged && this.sock && this.isOpen()) await applyPresence(settings, this.sock, this.deps.logger);
    return settings;
  }

  /** Runs `work` after every event already queued for this instance (keeps order). */
  enqueue(work: () => unknown): Promise<void> {
    const next = this.queue.then(async () => {
      try {
        await work();
      } catch (error) {
        this.deps.logger.error({ err: errorMessage(error) }, "event handler failed");
      }
    });
    this.queue = next;
    return next;
  }

  /** Writes one event for this instance to the outbox, split into pieces the worker can store whole. */
  forward(type: string, payload: unknown): void {
    const pieces = splitPayload(type, toJsonSafe(payload), MAX_EVENT_PAYLOAD_BYTES);
    if (pieces.length > 1) this.deps.logger.info({ type, pieces: pieces.length }, "large event split into pieces");
    const at = this.deps.now();
    const me = this.me() ?? null;
    this.deps.emit(pieces.map((piece) => ({ instance: this.name, type, at, me, payload: piece })));
  }

  wipeCreds(): void {
    this.deps.authStore.wipe(this.name);
    this.deps.sentMessages.wipe(this.name);
    this.auth = undefined;
  }

  /** A socket, a pending reconnect, or saved paired credentials: something logout can end. */
  hasSession(): boolean {
    return this.isRunning() || this.hasPairedCreds();
  }

  private hasPairedCreds(): boolean {
    const creds = this.auth?.creds ?? this.deps.authStore.loadCreds(this.name);
    return creds !== undefined && isPaired(creds);
  }

  /** An abandoned QR / pairing-code attempt leaves half-set creds; start such instances fresh. */
  private resetUnpairedCreds(): void {
    if (!this.hasPairedCreds()) this.wipeCreds();
  }

  private openSocket(): void {
    this.reconnect.cancel();
    this.auth ??= this.deps.authStore.authState(this.name, this.deps.baileysLogger);
    const sock = this.deps.socketFactory(this.socketConfig(this.auth));
    this.sock = sock;
    this.st.set("connecting", this.st.statusReason);
    this.unsubscribe = sock.ev.process((events) => this.onEvents(sock, events));
    takeHistoryChunks(sock, () => sock === this.sock, (chunk) => this.onEvents(sock, { "messaging-history.set": chunk }));
  }

  private socketConfig(auth: AuthenticationState): UserFacingSocketConfig {
    const { waWebSocketUrl, waVersion } = this.deps.config;
    return {
      auth,
      logger: this.deps.baileysLogger,
      browser: Browsers.ubuntu("Chrome"),
      markOnlineOnConnect: this.settings.alwaysOnline,
      syncFullHistory: this.settings.syncFullHistory,
      getMessage: async (key) => this.ctx.messages.content(key.id),
      cachedGroupMetadata: async (jid) => this.ctx.groups.get<GroupMetadata>(jid),
      shouldIgnoreJid: (jid) => ignoresJid(this.settings, jid),
      msgRetryCounterCache: this.retryCounter,
      ...(waWebSocketUrl ? { waWebSocketUrl } : {}),
      ...(waVersion ? { version: waVersion } : {}),
    };
  }

  /** Called synchronously by Baileys for every emission: save creds now, queue the rest in order. */
  private onEvents(sock: ConnectorSocket, events: Partial<BaileysEventMap>): void {
    // rc14's end() destroys the event buffer right after emitting this close, and messages in it
    // were already acked to WhatsApp: flush them now, so they are queued ahead of the close.
    if (events["connection.update"]?.connection === "close") flushBuffered(sock);
    if (events["creds.update"] && sock === this.sock && this.auth) {
      try {
        this.deps.authStore.saveCreds(this.name, this.auth.creds);
      } catch (error) {
        this.deps.logger.error({ err: errorMessage(error) }, "saving credentials failed");
      }
    }
    void this.enqueue(() => this.handleEvents(sock, events));
  }

  private async handleEvents(sock: ConnectorSocket, events: Partial<BaileysEventMap>): Promise<void> {
    for (const [type, payload] of Object.entries(events)) {
      if (type === "creds.update") continue;
      try {
        await this.handleEvent(sock, type, payload);
      } catch (error) {
        this.deps.logger.error({ type, err: errorMessage(error) }, "event handler failed");
      }
    }
  }

  private async handleEvent(sock: ConnectorSocket, type: string, payload: unknown): Promise<void> {
    if (type === "connection.update") return this.onConnectionUpdate(sock, payload as Partial<BaileysConnectionState>);
    if (type === "messages.upsert") {
      const raw = payload as BaileysEventMap["messages.upsert"];
      const upsert = await prepareUpsert(this.ctx, sock, raw);
      if (upsert !== undefined) this.forward(type, upsert);
      if (sock === this.sock) await markRead(this.settings, sock, raw, this.deps.logger);
      return;
    }
    // Not awaited: rejecting waits for WhatsApp's answer, and the instance's events must not wait with it.
    if (type === "call" && sock === this.sock) void rejectCalls(this.settings, sock, payload as WACallEvent[], this.deps.logger);
    trackGroups(this.ctx, type, payload);
    this.forward(type, payload);
  }

  private async onConnectionUpdate(sock: ConnectorSocket, update: Partial<BaileysConnectionState>): Promise<void> {
    const current = sock === this.sock;
    const payload = toJsonSafe(update) as Record<string, unknown>;
    if (update.qr && current) Object.assign(payload, await this.onQr(sock, update.qr));
    if (current && update.connection === "open") this.onOpen();
    if (current && update.connection === "close") this.onClose(update.lastDisconnect?.error);
    this.forward("connection.update", payload);
  }

  private async onQr(sock: ConnectorSocket, code: string): Promise<Record<string, unknown>> {
    const base64 = await qrDataUrl(code);
    if (this.st.pairingNumber && !this.st.pairingRequested) await this.requestPairingCode(sock);
    const qr = this.st.addQr(code, base64);
    const pairingCode = this.st.pairingCode;
    return { qrBase64: base64, qrCount: qr.count, ...(pairingCode ? { pairingCode } : {}) };
  }

  private async requestPairingCode(sock: ConnectorSocket): Promise<void> {
    const number = this.st.pairingNumber;
    if (!number) return;
    this.st.pairingRequested = true;
    try {
      this.st.pairingCode = await sock.requestPairingCode(number);
    } catch (error) {
      this.st.pairingFailed = true;
      this.deps.logger.warn({ err: errorMessage(error) }, "pairing code request failed");
    }
    this.st.changed();
  }

  private onOpen(): void {
    this.reconnect.opened();
    this.st.opened();
    this.deps.logger.info({ me: this.me()?.id }, "connection open");
  }

  private onClose(error: unknown): void {
    const { statusCode, message } = disconnectInfo(error);
    const decision = decideReconnect(statusCode, message);
    this.detach();
    this.st.qr = null;
    this.st.set("close", statusCode ?? null);
    this.reconnect.closed();
    const retryInMs = decision.action === "reconnect-backoff" ? this.reconnect.schedule(() => this.openSocket()) : undefined;
    const log = decision.action === "reconnect-now" ? "info" : decision.action === "reconnect-backoff" ? "warn" : "error";
    if (decision.action === "version-rejected") logVersionRejected(this.deps.logger, this.deps.config.waVersion);
    else this.deps.logger[log]({ statusCode, reason: message, action: decision.action, retryInMs }, "connection closed");
    if (decision.action === "reconnect-now") this.openSocket();
    else if (decision.action === "logged-out") this.wipeCreds();
  }

  /** Forgets the current socket: what it buffered or queued is still forwarded, later events are not received. */
  private detach(): void {
    if (this.sock) flushBuffered(this.sock);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.sock = undefined;
  }

  private async teardown(): Promise<void> {
    const sock = this.sock;
    this.reconnect.cancel();
    this.detach();
    if (sock) await sock.end(undefined).catch((e: unknown) => this.deps.logger.warn({ err: errorMessage(e) }, "socket end failed"));
    this.st.set("close", this.st.statusReason);
  }
}
