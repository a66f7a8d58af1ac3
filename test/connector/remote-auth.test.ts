// Credential write-through on the connector side (connector/remote-auth.ts): AES-256-GCM bound to
// the instance name, and a snapshot that restores every row of the auth store.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteAuthStore } from "../../connector/auth-store.ts";
import { decryptSnapshot, encryptSnapshot } from "../../connector/remote-auth.ts";
import { tempDir } from "./helpers.ts";

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe("credential snapshots", () => {
  it("encrypt to ciphertext that decrypts only with the key and for the same instance", async () => {
    const key = new Uint8Array(randomBytes(32));
    const snapshot = { creds: '{"me":{"id":"1@s.whatsapp.net"}}', keys: [["session", "1.0", '{"x":1}']] as [string, string, string][] };
    const blob = await encryptSnapshot(key, "sales", snapshot);
    expect(blob).not.toContain("whatsapp");
    expect(await decryptSnapshot(key, "sales", blob)).toEqual(snapshot);
    await expect(decryptSnapshot(key, "support", blob)).rejects.toThrow();
    await expect(decryptSnapshot(new Uint8Array(randomBytes(32)), "sales", blob)).rejects.toThrow();
    // A fresh IV each time.
    expect(await encryptSnapshot(key, "sales", snapshot)).not.toBe(blob);
  });

  it("a snapshot restores creds and every Signal key into another store, and changes are announced", async () => {
    const a = tempDir();
    const b = tempDir();
    dirs.push(a, b);
    const source = new SqliteAuthStore(join(a.path, "auth.sqlite"));
    const changes: string[] = [];
    source.onChange = (instance, kind) => changes.push(`${instance}:${kind}`);
    source.authState("sales", (await import("pino")).default({ level: "silent" }));
    await source.keyStore("sales").set({ session: { "1.0": new Uint8Array([1, 2, 3]) as never }, "pre-key": { "7": { public: new Uint8Array([4]), private: new Uint8Array([5]) } } });
    expect(changes).toEqual(["sales:write", "sales:write"]);
    const snapshot = source.snapshot("sales")!;
    expect(snapshot.keys).toHaveLength(2);

    const target = new SqliteAuthStore(join(b.path, "auth.sqlite"));
    target.restore("sales", snapshot);
    expect(target.snapshot("sales")).toEqual(snapshot);
    expect(target.loadCreds("sales")?.registrationId).toBe(source.loadCreds("sales")?.registrationId);
    source.wipe("sales");
    expect(changes.at(-1)).toBe("sales:wipe");
    expect(source.snapshot("sales")).toBeUndefined();
    source.close();
    target.close();
  });
});
