// Test helper: a real Baileys rc14 socket against the fake server, with every event recorded and
// the reconnect-after-515 a connector would do. Test-only.
import makeWASocket, { Browsers, type AuthenticationState, type BaileysEventMap, type WASocket } from "@whiskeysockets/baileys";
import { createMemoryAuthState, silentLogger } from "./memory-auth.ts";

export interface RecordedEvent { name: keyof BaileysEventMap; payload: unknown }

export interface TestClient {
  auth: AuthenticationState;
  /** The current socket (replaced after a 515 restart). */
  readonly sock: WASocket;
  events: RecordedEvent[];
  /** First recorded event `name` whose payload passes `match` (waits for it). */
  waitFor<K extends keyof BaileysEventMap>(name: K, match?: (payload: BaileysEventMap[K]) => boolean, timeoutMs?: number): Promise<BaileysEventMap[K]>;
  /** Close status codes seen so far (`lastDisconnect.error.output.statusCode`). */
  closes: number[];
  end(): void;
}

/** Connects with `auth` (fresh in-memory creds by default); reconnects on 515 only, like a connector. */
export function connectTestClient(url: string, auth: AuthenticationState = createMemoryAuthState()): TestClient {
  const events: RecordedEvent[] = [];
  const closes: number[] = [];
  const listeners = new Set<() => void>();
  let sock: WASocket;
  let ended = false;

  const open = () => {
    sock = makeWASocket({
      waWebSocketUrl: url, auth, logger: silentLogger, browser: Browsers.ubuntu("l2msg-test"),
      markOnlineOnConnect: false, syncFullHistory: false, connectTimeoutMs: 10_000, qrTimeout: 30_000,
    });
    sock.ev.process(async (map) => {
      for (const [name, payload] of Object.entries(map)) events.push({ name: name as keyof BaileysEventMap, payload });
      const update = map["connection.update"];
      if (update?.connection === "close") {
        const code = (update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode ?? 0;
        closes.push(code);
        if (code === 515 && !ended) open();
      }
      for (const listener of [...listeners]) listener();
    });
  };
  open();

  return {
    auth, events, closes,
    get sock() { return sock; },
    waitFor(name, match = () => true, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find((e) => e.name === name && match(e.payload as never));
          if (!hit) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(hit.payload as never);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${name}; saw: ${events.map((e) => e.name).join(", ")}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    end() {
      ended = true;
      sock.end(undefined);
    },
  };
}
