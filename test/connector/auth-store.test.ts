// The SQLite auth store: creds round trip with bytes, atomic multi-key set, every v7 key type,
// app-state-sync-key revived as a proto, null deletes, per-instance wipe.
import { join } from "node:path";
import { initAuthCreds, proto, type SignalDataSet } from "@whiskeysockets/baileys";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteAuthStore } from "../../connector/auth-store.ts";
import { tempDir } from "./helpers.ts";

let dir: ReturnType<typeof tempDir>;
let store: SqliteAuthStore;
const path = () => join(dir.path, "auth.sqlite");

beforeEach(() => {
  dir = tempDir();
  store = new SqliteAuthStore(path());
});
afterEach(() => {
  store.close();
  dir.cleanup();
});

const everyType: SignalDataSet = {
  "pre-key": { "1": { public: Buffer.from([1, 2]), private: Buffer.from([3, 4]) } },
  session: { "15552223333.0": Buffer.from("session-bytes") },
  "sender-key": { "group::15552223333::0": Buffer.from("sender-key") },
  "sender-key-memory": { "120363041234567890@g.us": { "15552223333:0@s.whatsapp.net": true } },
  "app-state-sync-key": { AAAAAQ: proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.from([9, 9, 9]), timestamp: 1700000000 }) },
  "app-state-sync-version": { regular: { version: 3, hash: Buffer.alloc(128, 1), indexValueMap: {} } },
  "lid-mapping": { "15552223333": "211119998887777" },
  "device-list": { "15552223333": ["0", "12"] },
  tctoken: { "15552223333@s.whatsapp.net": { token: Buffer.from("tok"), timestamp: "1700000000" } },
  "identity-key": { "15552223333.0": Buffer.from("identity") },
};

describe("SqliteAuthStore", () => {
  it("round-trips every v7 key type, reviving bytes and app-state-sync-key", async () => {
    const keys = store.keyStore("sales");
    await keys.set(everyType);
    const reopenedStore = new SqliteAuthStore(path());
    const reopened = reopenedStore.keyStore("sales");
    for (const [type, entries] of Object.entries(everyType)) {
      const got = await reopened.get(type as keyof SignalDataSet, Object.keys(entries!));
      expect(Object.keys(got)).toEqual(Object.keys(entries!));
    }
    const session = await reopened.get("session", ["15552223333.0"]);
    expect(Buffer.isBuffer(session["15552223333.0"])).toBe(true);
    expect(Buffer.from(session["15552223333.0"]!).toString()).toBe("session-bytes");
    const syncKey = (await reopened.get("app-state-sync-key", ["AAAAAQ"])).AAAAAQ!;
    expect(syncKey).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect([...syncKey.keyData!]).toEqual([9, 9, 9]);
    expect((await reopened.get("device-list", ["15552223333"]))["15552223333"]).toEqual(["0", "12"]);
    reopenedStore.close();
  });

  it("returns only found ids and deletes on null", async () => {
    const keys = store.keyStore("sales");
    await keys.set({ "pre-key": { "1": { public: Buffer.from([1]), private: Buffer.from([2]) }, "2": { public: Buffer.from([3]), private: Buffer.from([4]) } } });
    await keys.set({ "pre-key": { "1": null } });
    expect(Object.keys(await keys.get("pre-key", ["1", "2", "3"]))).toEqual(["2"]);
  });

  it("applies a multi-key set atomically: one bad value writes nothing", async () => {
    const keys = store.keyStore("sales");
    const broken: SignalDataSet = {
      session: { a: Buffer.from("a") },
      "lid-mapping": { b: 10n as unknown as string }, // BigInt cannot be serialised → throws mid-transaction
    };
    expect(() => keys.set(broken)).toThrow();
    expect(await keys.get("session", ["a"])).toEqual({});
  });

  it("keeps instances apart and wipes one without touching the other", async () => {
    const creds = initAuthCreds();
    creds.me = { id: "15550001111:7@s.whatsapp.net", name: "Sales" };
    creds.account = proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) });
    store.saveCreds("sales", creds);
    store.saveCreds("support", initAuthCreds());
    await store.keyStore("sales").set({ session: { x: Buffer.from("s") } });
    await store.keyStore("support").set({ session: { x: Buffer.from("t") } });

    const loaded = store.loadCreds("sales")!;
    expect(Buffer.isBuffer(loaded.noiseKey.private)).toBe(true);
    expect(Buffer.compare(loaded.noiseKey.private, creds.noiseKey.private)).toBe(0);
    expect(store.pairedInstances()).toEqual(["sales"]);

    store.wipe("sales");
    expect(store.loadCreds("sales")).toBeUndefined();
    expect(await store.keyStore("sales").get("session", ["x"])).toEqual({});
    expect(Object.keys(await store.keyStore("support").get("session", ["x"]))).toEqual(["x"]);
    expect(store.loadCreds("support")).toBeDefined();
  });

  it("gives each instance its own cached key store over the same rows", async () => {
    const logger = pino({ level: "silent" });
    const a = store.authState("sales", logger);
    const b = store.authState("support", logger);
    await a.keys.set({ session: { same: Buffer.from("A") } });
    await b.keys.set({ session: { same: Buffer.from("B") } });
    expect(Buffer.from((await a.keys.get("session", ["same"])).same!).toString()).toBe("A");
    expect(Buffer.from((await b.keys.get("session", ["same"])).same!).toString()).toBe("B");
    expect(store.loadCreds("sales")).toBeDefined();
  });
});
