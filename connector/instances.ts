// The instances this connector holds: one InstanceSession per name, created by the connect
// command or restored from saved credentials on start. Owns nothing but the map.
import type { InstanceStatus } from "../protocol/commands.ts";
import { InstanceSession, type SessionDeps } from "./session.ts";

export type RegistryDeps = Omit<SessionDeps, "baileysLogger">;

export class InstanceRegistry {
  private readonly sessions = new Map<string, InstanceSession>();

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

  /** Instances with paired credentials on disk; each gets a session but no socket yet. */
  restorable(): InstanceSession[] {
    return this.deps.authStore.pairedInstances().map((name) => this.getOrCreate(name));
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
    await Promise.all([...this.sessions.values()].map((s) => s.shutdown()));
  }
}
