// In-memory Baileys auth state (creds + Map key store) for tests and for the fake server's own
// Signal identities. Test-only; keeps nothing on disk.
import { initAuthCreds, type AuthenticationState, type SignalDataSet, type SignalDataTypeMap, type SignalKeyStore } from "@whiskeysockets/baileys";
import { pino } from "pino";

export const silentLogger = pino({ level: "silent" });

export function createMemoryKeyStore(): SignalKeyStore & { size(): number } {
  const data = new Map<string, unknown>();
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const found: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const value = data.get(`${type}:${id}`);
        if (value !== undefined) found[id] = value as SignalDataTypeMap[T];
      }
      return found;
    },
    async set(update: SignalDataSet) {
      for (const [type, entries] of Object.entries(update)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) data.delete(`${type}:${id}`);
          else data.set(`${type}:${id}`, value);
        }
      }
    },
    async clear() {
      data.clear();
    },
    size: () => data.size,
  };
}

/** A fresh, unpaired auth state kept in memory (the same object survives reconnects). */
export function createMemoryAuthState(): AuthenticationState {
  return { creds: initAuthCreds(), keys: createMemoryKeyStore() };
}
