// The authentication matrix, generated from /openapi.json: every operation on `{instance}` refuses
// a missing key, a wrong key and another instance's token with 401 and changes nothing; the
// global key on a missing instance gets 404; every route the app registers is documented.
// A new route is covered as soon as it is in the document; one that takes a body needs an
// entry in EXAMPLE_BODIES (the test fails until it has one).
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";
import { placeOnStub, stubConnector, type ConnectorStub } from "./helpers/connector-stub.ts";
import { errorBody, GLOBAL_KEY, uniqueName } from "./helpers/api.ts";

const app = createApp();
const UNAUTHORIZED = errorBody(401, "Unauthorized", "Unauthorized");
const instanceNotFound = (name: string) => errorBody(404, "Not Found", [`The "${name}" instance does not exist`]);

/** The worker env with a queue that records instead of delivering (nothing runs in the background). */
function matrixEnv() {
  const sent: unknown[] = [];
  const queue = {
    async send(body: unknown) { sent.push(body); },
    async sendBatch(messages: Iterable<{ body: unknown }>) { for (const m of messages) sent.push(m.body); },
  };
  return { env: { ...env, DELIVERY_QUEUE: queue as unknown as Queue }, sent };
}

type TestEnv = ReturnType<typeof matrixEnv>["env"];

async function request(e: TestEnv, method: string, path: string, key: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (key !== null) headers.apikey = key;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, e);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

// ---- The operations, from the document ------------------------------------------------------

interface Operation {
  method: string;
  path: string;
  spec: { security?: unknown; requestBody?: unknown; responses: Record<string, unknown> };
}

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];
const doc = (await (await app.request("/openapi.json", {}, env)).json()) as { paths: Record<string, Record<string, Operation["spec"]>> };
const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).filter(([method]) => HTTP_METHODS.includes(method)).map(([method, spec]) => ({ method: method.toUpperCase(), path, spec })),
);
const instanceOperations = operations.filter((o) => o.path.includes("{instance}"));
const label = (o: { method: string; path: string }) => `${o.method} ${o.path}`;

/**
 * Valid bodies for the operations that take one, keyed by "METHOD path". Each must pass
 * validation (checked below) and, where it stores something, differ from the fixture's state,
 * so a request that got through would show in the snapshot.
 */
const EXAMPLE_BODIES: Record<string, unknown> = {
  "POST /instance/create": { instanceName: "matrix-example" },
  "POST /webhook/set/{instance}": { url: "https://hooks.example.com/changed", enabled: true, events: ["MESSAGES_UPSERT"] },
  "POST /webhook/instance/{instance}": { webhook: { url: "https://hooks.example.com/changed", enabled: true, events: ["CALL"] } },
  "POST /message/sendText/{instance}": { number: "15551234567", text: "from the auth matrix" },
  "POST /webhooks/{instance}": { url: "https://hooks.example.com/added", events: ["CALL"] },
  "PUT /webhooks/{instance}/{id}": { url: "https://hooks.example.com/changed", ordered: true },
  "POST /deliveries/{instance}/redeliver": { status: "failed" },
  "POST /settings/set/{instance}": { rejectCall: true, msgCall: "from the auth matrix" },
};

/** Query strings that make an operation do the most it can: a delete that got through really deletes. */
const EXAMPLE_QUERIES: Record<string, string> = {
  "DELETE /instance/delete/{instance}": "?force=true",
};

function bodyFor(o: Operation): unknown {
  if (!o.spec.requestBody) return undefined;
  if (!(label(o) in EXAMPLE_BODIES)) throw new Error(`${label(o)} takes a request body: add an example to EXAMPLE_BODIES in auth-matrix.test.ts`);
  return EXAMPLE_BODIES[label(o)];
}

function urlFor(o: Operation, params: Record<string, string>): string {
  const path = o.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${label(o)}: no value for the path parameter {${name}}; add one to the fixture params`);
    return encodeURIComponent(value);
  });
  return path + (EXAMPLE_QUERIES[label(o)] ?? "");
}

// ---- A fixture with something to lose, and a snapshot of it ---------------------------------

interface Instance {
  name: string;
  id: string;
  token: string;
}

async function createInstance(e: TestEnv, extra: Record<string, unknown> = {}): Promise<Instance> {
  const name = uniqueName("matrix");
  const res = await request(e, "POST", "/instance/create", GLOBAL_KEY, { instanceName: name, ...extra });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.json)}`);
  const json = res.json as { hash: { apikey: string }; instance: { instanceId: string } };
  return { name, id: json.instance.instanceId, token: json.hash.apikey };
}

/** A delivery that already failed: redeliverable, so a redelivery that got through would show. */
async function seedFailedDelivery(instance: Instance): Promise<string> {
  const now = Date.now();
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  const eventId = `evt_${now.toString(16).padStart(12, "0")}${suffix}`;
  const deliveryId = `msg_${now.toString(16).padStart(12, "0")}${suffix}`;
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO webhook_events (id, source_event_id, instance_id, instance_name, event, data, date_time, sender, created_at) VALUES (?, NULL, ?, ?, 'messages.upsert', '{}', ?, NULL, ?)",
    ).bind(eventId, instance.id, instance.name, new Date(now).toISOString(), now),
    env.DB.prepare(
      "INSERT INTO deliveries (id, event_id, instance_id, instance_name, target, event, status, attempts, next_attempt_at, last_status_code, last_error, created_at, updated_at, completed_at) " +
        "VALUES (?, ?, ?, ?, 'instance', 'messages.upsert', 'failed', 3, ?, 500, 'HTTP 500', ?, ?, ?)",
    ).bind(deliveryId, eventId, instance.id, instance.name, now, now, now, now),
  ]);
  return deliveryId;
}

interface Fixture {
  e: TestEnv;
  queued: unknown[];
  target: Instance;
  other: Instance;
  deliveryId: string;
  params: Record<string, string>;
}

async function fixture(): Promise<Fixture> {
  const { env: e, sent } = matrixEnv();
  const target = await createInstance(e, { webhook: "https://hooks.example.com/original", events: ["CONNECTION_UPDATE"] });
  const other = await createInstance(e, { webhook: "https://hooks.example.com/other" });
  const deliveryId = await seedFailedDelivery(target);
  // Connected (as far as D1 knows), so sendText goes as far as the connector instead of a 400.
  await env.DB.prepare("UPDATE instances SET status = 'open' WHERE id = ?").bind(target.id).run();
  // Owned by the (down) stub connector, so commands go to it instead of finding no owner.
  await placeOnStub(target.name);
  return { e, queued: sent, target, other, deliveryId, params: { instance: target.name, deliveryId, id: "default", messageId: "3EB0MATRIX" } };
}

/**
 * Everything an instance route can change, read through the API with the global key: the
 * instance (exists, status), its webhook config and signing secret, its deliveries, and
 * whether its token still works (refreshToken replaces it); the same for the other instance.
 */
async function snapshot(f: Fixture) {
  const read = async (path: string, key = GLOBAL_KEY) => request(f.e, "GET", path, key);
  const of = async (instance: Instance) => {
    const [found, webhook, secret, deliveries, withToken] = await Promise.all([
      read(`/instance/fetchInstances?instanceName=${instance.name}`),
      read(`/webhook/find/${instance.name}`),
      read(`/webhook/secret/${instance.name}`),
      read(`/deliveries/${instance.name}`),
      read(`/webhook/find/${instance.name}`, instance.token),
    ]);
    return { instance: found, webhook, secret, deliveries, tokenWorks: withToken.status };
  };
  const [target, delivery, other] = await Promise.all([of(f.target), read(`/deliveries/${f.target.name}/${f.deliveryId}`), of(f.other)]);
  return { target, delivery, other };
}

// ---- The matrix -------------------------------------------------------------------------------

let connector: ConnectorStub;
// The connector is down: nothing a route sends it can succeed, and every attempt is recorded.
beforeEach(async () => {
  connector = await stubConnector(() => "down");
});
afterEach(() => vi.restoreAllMocks());

const BAD_KEYS: Array<[what: string, key: (f: Fixture) => string | null]> = [
  ["no key", () => null],
  ["an empty key", () => ""],
  ["a wrong key", () => "definitely-not-the-key"],
  ["the global key with a suffix", () => `${GLOBAL_KEY}x`],
  ["another instance's token", (f) => f.other.token],
];

describe("the document", () => {
  it("lists the instance routes (16 when this was written)", () => {
    expect(instanceOperations.length).toBeGreaterThanOrEqual(16);
  });

  it("documents every route the app registers, and registers every documented one", () => {
    // `ALL /*` is the config middleware (app.use), not an endpoint. /openapi.json and /docs serve
    // the document itself and its HTML rendering; the document does not describe them.
    // The connector fleet's own routes (a WebSocket upgrade, drain, credentials) are signed by a
    // connector, never called with an apikey; docs/protocol.md#connector-socket documents them.
    const CONNECTOR_ONLY = [
      "GET /connector/v1/connect",
      "POST /connector/v1/drain",
      "PUT /connector/v1/credentials/{instance}",
      "GET /connector/v1/credentials/{instance}",
      "DELETE /connector/v1/credentials/{instance}",
    ];
    const UNDOCUMENTED = new Set(["ALL /*", "GET /openapi.json", "GET /docs", ...CONNECTOR_ONLY]);
    const registered = new Set(app.routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`));
    const documented = new Set(operations.map(label));
    expect([...registered].filter((r) => !documented.has(r) && !UNDOCUMENTED.has(r))).toEqual([]);
    expect([...documented].filter((d) => !registered.has(d))).toEqual([]);
    expect([...UNDOCUMENTED].filter((u) => !registered.has(u)), "stale UNDOCUMENTED entries").toEqual([]);
  });

  // The connector's ingest route is signed, not apikey-authenticated (pipeline-ingest.test.ts).
  it("has an example body for each apikey operation that takes one, and none for anything else", () => {
    const takesBody = operations.filter((o) => o.spec.security && o.spec.requestBody).map(label).sort();
    expect(Object.keys(EXAMPLE_BODIES).sort()).toEqual(takesBody);
    expect(Object.keys(EXAMPLE_QUERIES).filter((k) => !operations.some((o) => label(o) === k))).toEqual([]);
  });
});

describe.each(instanceOperations)("$method $path", (o) => {
  it("is documented with the apikey scheme, 401 and 404", () => {
    expect(o.spec.security).toEqual([{ apikey: [] }]);
    expect(Object.keys(o.spec.responses)).toEqual(expect.arrayContaining(["401", "404"]));
  });

  // One fixture for all the bad keys (a fixture and its snapshots cost ~0.3 s; 16 routes × 5 keys add up).
  it("401 for each bad key on an existing instance, and nothing changes", async () => {
    const f = await fixture();
    const before = await snapshot(f);
    const answers = [];
    for (const [what, key] of BAD_KEYS) {
      const res = await request(f.e, o.method, urlFor(o, f.params), key(f), bodyFor(o));
      answers.push({ what, status: res.status, body: res.json });
    }
    expect(answers).toEqual(BAD_KEYS.map(([what]) => ({ what, status: 401, body: UNAUTHORIZED })));
    expect(await snapshot(f)).toEqual(before);
    expect(connector.calls, "commands sent to the connector").toEqual([]);
    expect(f.queued, "queue messages sent").toEqual([]);
  });

  it("401, not 404, on a missing instance without the global key (names cannot be probed)", async () => {
    const f = await fixture();
    const ghost = { ...f.params, instance: uniqueName("ghost") };
    for (const [what, key] of BAD_KEYS) {
      const res = await request(f.e, o.method, urlFor(o, ghost), key(f), bodyFor(o));
      expect(res.status, what).toBe(401);
    }
  });

  it("404 for the global key on a missing instance", async () => {
    const { env: e, sent } = matrixEnv();
    const name = uniqueName("ghost");
    const res = await request(e, o.method, urlFor(o, { instance: name, deliveryId: "msg_000000000000ffffffffffffffff", id: "default", messageId: "3EB0MATRIX" }), GLOBAL_KEY, bodyFor(o));
    expect(res.status).toBe(404);
    expect(res.json).toEqual(instanceNotFound(name));
    expect(connector.calls).toEqual([]);
    expect(sent).toEqual([]);
  });

  // Only that authentication and validation pass (a route that needs the connector answers 503 here).
  it.each([
    ["the global key", () => GLOBAL_KEY],
    ["the instance's own token", (f: Fixture) => f.target.token],
  ])("%s gets past authentication and validation", async (_what, key) => {
    const f = await fixture();
    const res = await request(f.e, o.method, urlFor(o, f.params), key(f), bodyFor(o));
    expect([400, 401, 413, 415], JSON.stringify(res)).not.toContain(res.status);
    expect(res.json).not.toEqual(instanceNotFound(f.target.name));
  });
});

describe("operations outside an instance", () => {
  const apikeyOperations = operations.filter((o) => !o.path.includes("{instance}") && o.spec.security !== undefined);

  it.each(apikeyOperations.map((o) => [label(o), o] as const))("%s: 401 without a key or with a wrong one", async (_label, o) => {
    const { env: e } = matrixEnv();
    for (const key of [null, "definitely-not-the-key"]) {
      const res = await request(e, o.method, urlFor(o, {}), key, bodyFor(o));
      expect(res.status).toBe(401);
      expect(res.json).toEqual(UNAUTHORIZED);
    }
  });
});
