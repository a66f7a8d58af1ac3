// One instance's reconnect timing: the pending reconnect timer and the backoff attempt count,
// which starts over only after a session stayed open a while (docs/connector.md#reconnect-policy).
// Owns no socket; the session says when it opened and closed and what to run on the timer.
import { backoffDelay } from "./reconnect-policy.ts";

export type ReconnectTiming = { reconnectBaseMs: number; reconnectMaxMs: number; stableOpenMs: number };

export class ReconnectSchedule {
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private openedAt: number | undefined;

  constructor(
    private readonly timing: ReconnectTiming,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** A connect or restart command: the caller asked, so no backoff is owed. */
  reset(): void {
    this.attempts = 0;
  }

  opened(): void {
    this.openedAt = this.now();
  }

  /**
   * Resetting on every `open` made a session that WhatsApp closes right after login retry at
   * the base delay forever; only a session that stayed open `stableOpenMs` has earned a fresh start.
   */
  closed(): void {
    if (this.openedAt !== undefined && this.now() - this.openedAt >= this.timing.stableOpenMs) this.attempts = 0;
    this.openedAt = undefined;
  }

  /** Runs `reconnect` after the next backoff delay; returns the delay. */
  schedule(reconnect: () => void): number {
    const delay = backoffDelay(this.attempts, { baseMs: this.timing.reconnectBaseMs, maxMs: this.timing.reconnectMaxMs }, this.random());
    this.attempts += 1;
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      reconnect();
    }, delay);
    return delay;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
