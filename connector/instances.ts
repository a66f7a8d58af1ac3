// The instances this connector holds: one InstanceSession per name, created by the connect
// command or by the worker's assignment list (connector/fleet.ts). Owns nothing but the map.
import type { InstanceStatus } from "../protocol/commands.ts";
import { InstanceSession, type SessionDeps } from "./session.ts";

export type RegistryDeps = Omit<SessionDeps, "baileysLogger">;

export class InstanceRegistry {
  private readonly sessions = new Map<string, InstanceSession>();
  private readonly restoreTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: RegistryDeps) {}

  get(name: string): InstanceSession | undefined {
    return this.sessions.get(name);
  }

  getOrCreate(name: string): InstanceSession {
    let session = this.sessions.get(name);
    if (!session) {
      const logger = this.deps.logger.child({ instance: name });
      const baileysLogger = logger.child({ component: "baileys" }, { level: this.deps.config.baileysLogLevel });
      session = new InstanceSession(name, { ...this.deps, logger, baileysLogger });
      this.sessions.set(name, session);
    }
    return session;
  }

  list(): InstanceStatus[] {
    return [...this.sessions.values()].map((s) => s.status()).sort((a, b) => a.instance.localeCompare(b.instance));
  }

  /** The status of a named instance, `close` when this connector has never held it. */
  status(name: string): InstanceStatus {
    return this.sessions.get(name)?.status() ?? { instance: name, state: "close", statusReason: null, me: null, qr: null, pairingCode: null };
  }

  /**
   * Starts assigned sessions one every `staggerMs`: hundreds of logins at the same instant
   * load the host and look like a burst to WhatsApp. The first starts at once.
   */
  resumeStaggered(sessions: InstanceSession[], staggerMs: number): void {
    sessions.forEach((session, index) => {
      if (index === 0 || staggerMs <= 0) return session.resume();
      const timer = setTimeout(() => {
        this.restoreTimers.delete(timer);
        if (this.sessions.get(session.name) === session) session.resume();
      }, index * staggerMs);
      this.restoreTimers.add(timer);
    });
  }

  /** Logs out a running or paired instance; undefined when there is nothing to log out. */
  async logout(name: string): Promise<InstanceStatus | undefined> {
    const session = this.sessions.get(name);
    if (session?.hasSession()) return session.logout();
    if (!session && this.deps.authStore.loadCreds(name)) return this.getOrCreate(name).logout();
    return undefined;
  }

  /** Logs out if connected, wipes credentials and forgets the instance. */
  async remove(name: string): Promise<void> {
    const session = this.sessions.get(name);
    if (session) {
      await session.logout();
      await session.shutdown();
      this.sessions.delete(name);
    }
    this.deps.authStore.wipe(name);
    this.deps.sentMessages.wipe(name);
    this.deps.authStore.forgetSettings(name);
  }

  /** Hands the instance over (fleet): closes its socket without logging out, keeps the credentials, forgets the session. */
  async release(name: string): Promise<void> {
    const session = this.sessions.get(name);
    if (!session) return;
    this.sessions.delete(name);
    await session.shutdown();
  }

  /** Names of the sessions held now. */
  names(): string[] {
    return [...this.sessions.keys()];
  }

  async shutdown(): Promise<void> {
    for (const timer of this.restoreTimers) clearTimeout(timer);
    this.restoreTimers.clear();
    await Promise.all([...this.sessions.values()].map((s) => s.shutdown()));
  }
}
