// The connector's part of the fleet (docs/protocol.md#fleet-commands): which instances it owns and at
// which epoch, the assignment list / acquire / release commands, and the epoch fence in front of
// every instance command from the worker socket. Instance commands themselves run in control.ts.
import type { Logger } from "pino";
import { assignmentsRequestSchema, FLEET_PATHS, type Assignment, type CommandFrame } from "../protocol/fleet.ts";
import { runCommand, type ControlDeps, type Reply } from "./control.ts";
import type { InstanceRegistry } from "./instances.ts";
import type { NewEvent } from "./outbox.ts";
import type { RemoteAuth } from "./remote-auth.ts";
import type { InstanceSession } from "./session.ts";

export type FleetDeps = {
  registry: InstanceRegistry;
  control: ControlDeps;
  connectorId: string;
  version: string;
  logger: Logger;
  emit: (events: NewEvent[]) => void;
  now: () => number;
  /** Credential write-through; without it an instance starts only from credentials on this disk. */
  remote?: RemoteAuth;
  /** Gap between two logins started by one assignment list (ConnectorTuning.restoreStaggerMs). */
  restoreStaggerMs: number;
};

const ACQUIRE = /^\/v1\/instances\/[^/]+\/acquire$/;
const RELEASE = /^\/v1\/instances\/[^/]+\/release$/;

export class FleetMember {
  /** Instance → the epoch this connector holds it at. */
  private readonly epochs = new Map<string, number>();

  constructor(private readonly deps: FleetDeps) {}

  epochOf(instance: string): number | undefined {
    return this.epochs.get(instance);
  }

  owned(): Assignment[] {
    return [...this.epochs].map(([instance, epoch]) => ({ instance, epoch })).sort((a, b) => a.instance.localeCompare(b.instance));
  }

  /** One verified command from the worker socket. */
  async handle(frame: CommandFrame): Promise<Reply> {
    if (frame.path === FLEET_PATHS.assignments && frame.method === "POST") return this.assignments(frame.body);
    if (!frame.instance) return runCommand(this.deps.control, frame.method, frame.path, frame.body);
    const held = this.epochs.get(frame.instance) ?? 0;
    // The fence: a command from an owner the worker has since replaced is refused.
    if (frame.epoch < held) return { status: 409, body: { error: "stale_epoch", message: `instance ${frame.instance} is held at epoch ${held}, the command carries ${frame.epoch}` } };
    if (frame.epoch > held) this.epochs.set(frame.instance, frame.epoch);
    if (ACQUIRE.test(frame.path)) {
      (await this.acquire(frame.instance, frame.epoch))?.resume();
      return { status: 200, body: this.deps.registry.status(frame.instance) };
    }
    if (RELEASE.test(frame.path)) {
      await this.release(frame.instance);
      return { status: 200, body: { instance: frame.instance, released: true } };
    }
    const reply = await runCommand(this.deps.control, frame.method, frame.path, frame.body);
    // A removed instance is no longer ours to hold.
    if (frame.method === "DELETE" && frame.path === `/v1/instances/${encodeURIComponent(frame.instance)}` && reply.status === 200) this.epochs.delete(frame.instance);
    return reply;
  }

  /** The link was lost for longer than the lease: stop every WhatsApp socket (credentials stay), forget ownership. */
  async stopAll(): Promise<void> {
    const names = this.deps.registry.names();
    this.epochs.clear();
    await Promise.all(names.map((name) => this.deps.registry.release(name)));
    this.deps.logger.warn({ instances: names }, "fleet: stopped every instance after losing the worker");
  }

  /** The complete list of what this connector owns: start what is new, stop what is gone. */
  private async assignments(raw: string): Promise<Reply> {
    const parsed = assignmentsRequestSchema.safeParse(raw ? JSON.parse(raw) : undefined);
    if (!parsed.success) return { status: 400, body: { error: "invalid_request", message: parsed.error.issues[0]?.message ?? "invalid" } };
    const owned = new Map(parsed.data.owned.map((a) => [a.instance, a]));
    const released: string[] = [];
    for (const name of new Set([...this.deps.registry.names(), ...this.epochs.keys()])) {
      if (owned.has(name)) continue;
      this.epochs.delete(name);
      if (this.deps.registry.get(name)) released.push(name);
      await this.deps.registry.release(name);
    }
    const acquired: InstanceSession[] = [];
    for (const [name, { epoch, settings }] of owned) {
      if ((this.epochs.get(name) ?? 0) > epoch) continue;
      this.epochs.set(name, epoch);
      const session = await this.acquire(name, epoch);
      // Before the socket starts: a connector new to the instance has no settings (or old ones).
      if (session && settings) await session.applySettings(settings);
      if (session) acquired.push(session);
    }
    // Hundreds of logins at the same instant load the host and look like a burst to WhatsApp.
    this.deps.registry.resumeStaggered(acquired, this.deps.restoreStaggerMs);
    if (released.length || acquired.length) this.deps.logger.info({ acquired: acquired.map((s) => s.name), released }, "fleet: assignments applied");
    return { status: 200, body: { owned: this.owned() } };
  }

  /** Loads the instance's paired credentials (the worker's copy first); the session to resume, or undefined when it runs already or is not paired. */
  private async acquire(name: string, epoch: number): Promise<InstanceSession | undefined> {
    const existing = this.deps.registry.get(name);
    if (existing?.isRunning()) return undefined;
    if (this.deps.remote && !existing) {
      try {
        await this.deps.remote.pull(name, epoch);
      } catch (error) {
        this.deps.logger.warn({ instance: name, err: error instanceof Error ? error.message : String(error) }, "fleet: could not load credentials from the worker; using this disk's");
      }
    }
    const session = this.deps.registry.getOrCreate(name);
    if (!session.hasSession()) return undefined;
    this.deps.emit([{ instance: name, type: "connector.startup", at: this.deps.now(), me: session.me() ?? null, payload: { connector: this.deps.connectorId, version: this.deps.version } }]);
    return session;
  }

  private async release(name: string): Promise<void> {
    this.epochs.delete(name);
    await this.deps.registry.release(name);
  }
}
