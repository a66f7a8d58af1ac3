// POST /webhook/test/{instance}: the console's "send a test event". Happy path through the real
// consumer (signed, logged), then errors and security.
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { GLOBAL_KEY, GLOBAL_VARS, app, attemptRows, consume, deliveriesOf, deps, fakeReceiver, seedInstance, testEnv } from "./helpers/pipeline.ts";

type Env = ReturnType<typeof testEnv>;

async function sendTest(e: Env, instance: string, key: string = GLOBAL_KEY) {
  const res = await app.request(`/webhook/test/${instance}`, { method: "POST", headers: { apikey: key } }, e);
  return { status: res.status, body: (await res.json()) as any };
}

describe("POST /webhook/test/{instance}", () => {
  it("queues one signed application.startup test event to the instance webhook, even when it subscribes to other events", async () => {
    const instance = await seedInstance({ events: ["MESSAGES_UPSERT"], byEvents: true });
    const e = testEnv(GLOBAL_VARS);
    const res = await sendTest(e, instance.name, instance.token);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^msg_/), instance: instance.name, target: "instance", event: "application.startup", status: "pending", attemptCount: 0 });
    // Only the instance webhook: the global one (enabled in GLOBAL_VARS) never gets a test.
    expect(e.DELIVERY_QUEUE.sent).toEqual([res.body.id]);
    expect((await deliveriesOf(instance.name)).map((d) => d.target)).toEqual(["instance"]);

    const receiver = fakeReceiver(() => new Response("ok", { status: 200 }));
    await consume(e, [res.body.id], deps(receiver.fetch).consumerDeps);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.url).toBe(`${instance.webhook!.url}/application-startup`);
    const body = new Webhook(instance.webhook!.secret).verify(request!.body, request!.headers) as Record<string, unknown>;
    expect(body).toMatchObject({ event: "application.startup", instance: instance.name, data: { instance: instance.name, test: true } });
    expect(await attemptRows(res.body.id)).toMatchObject([{ outcome: "succeeded", statusCode: 200 }]);

    const detail = await app.request(`/deliveries/${instance.name}/${res.body.id}`, { headers: { apikey: instance.token } }, e);
    expect(await detail.json()).toMatchObject({ status: "succeeded", attempts: [{ statusCode: 200, responseBody: "ok" }] });
  });

  it("answers 404 naming /webhook/set when the instance has no webhook, and queues nothing", async () => {
    const instance = await seedInstance(null);
    const e = testEnv();
    const res = await sendTest(e, instance.name);
    expect(res).toEqual({ status: 404, body: { status: 404, error: "Not Found", response: { message: [`The "${instance.name}" instance has no webhook; set one with /webhook/set/${instance.name}`] } } });
    expect(e.DELIVERY_QUEUE.sent).toEqual([]);
  });

  it("answers 400 when the webhook is disabled, and queues nothing", async () => {
    const instance = await seedInstance({ enabled: false });
    const e = testEnv();
    const res = await sendTest(e, instance.name);
    expect(res.status).toBe(400);
    expect(res.body.response.message).toEqual([`The "${instance.name}" instance webhook is disabled; enable it with /webhook/set/${instance.name}`]);
    expect(await deliveriesOf(instance.name)).toEqual([]);
  });

  it.each([
    ["no key", null],
    ["a wrong key", "nope-nope-nope"],
    ["another instance's token", "other"],
  ])("refuses %s with 401 before saying whether the instance exists", async (_label, key) => {
    const instance = await seedInstance();
    const other = await seedInstance();
    const e = testEnv();
    const headers: Record<string, string> = key === null ? {} : { apikey: key === "other" ? other.token : key };
    for (const name of [instance.name, "no-such-instance"]) {
      const res = await app.request(`/webhook/test/${name}`, { method: "POST", headers }, e);
      expect(res.status).toBe(401);
    }
    expect(e.DELIVERY_QUEUE.sent).toEqual([]);
  });

  it("answers 404 for an unknown instance with the global key", async () => {
    const res = await sendTest(testEnv(), "no-such-instance");
    expect(res.status).toBe(404);
  });
});
