// What one instance reports to the worker (state, last status code, QR, pairing code) and the
// "wait until something happened" used by the connect command. No sockets, no I/O.
import type { ConnectionState } from "../protocol/instance.ts";

export type Qr = { code: string; base64: string; count: number };

export class SessionStatus {
  state: ConnectionState = "close";
  statusReason: number | null = null;
  qr: Qr | null = null;
  pairingCode: string | null = null;
  /** Digits given on connect: a pairing code is requested on the next QR. */
  pairingNumber: string | undefined;
  pairingRequested = false;
  pairingFailed = false;
  private readonly listeners = new Set<() => void>();

  set(state: ConnectionState, statusReason: number | null): void {
    this.state = state;
    this.statusReason = statusReason;
    this.changed();
  }

  /** A new connection attempt from the connect command: forget the last QR and pairing attempt. */
  resetAttempt(): void {
    this.qr = null;
    this.pairingCode = null;
    this.pairingRequested = false;
    this.pairingFailed = false;
  }

  usePairingNumber(number: string | undefined): void {
    if (!number || number === this.pairingNumber) return;
    this.pairingNumber = number;
    this.pairingRequested = false;
    this.pairingFailed = false;
  }

  opened(): void {
    this.resetAttempt();
    this.pairingNumber = undefined;
    this.set("open", 200);
  }

  addQr(code: string, base64: string): Qr {
    this.qr = { code, base64, count: (this.qr?.count ?? 0) + 1 };
    this.changed();
    return this.qr;
  }

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves once open, closed for good, or a QR (and the pairing code, if asked) is ready; or after `timeoutMs`. */
  waitForProgress(timeoutMs: number, isRunning: () => boolean): Promise<void> {
    const progressed = (): boolean => {
      if (this.state === "open") return true;
      if (this.state === "close" && !isRunning()) return true;
      if (!this.qr) return false;
      return !this.pairingNumber || this.pairingCode !== null || this.pairingFailed;
    };
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const check = (): void => {
        if (progressed()) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }
}
