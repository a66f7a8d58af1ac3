// Drills where the webhook receiver misbehaves: 500s for a while, hangs past the timeout, 410 Gone.
import { callApi, setWebhook } from "../lib/api.ts";
import { deliveryIds, DrillFailure, INSTANCE, sleep, withDrill, type DrillResult } from "./harness.ts";

/** 500 for 6 s, then 200: every event arrives once retries reach the recovered receiver. */
export function receiverFailsThenRecovers(): Promise<DrillResult> {
  return withDrill("receiver-500", { receiverMode: "fail500" }, async (ctx) => {
    await ctx.send(60);
    await sleep(6_000);
    const failedRequests = ctx.receiver.stats().requests;
    ctx.check(failedRequests >= 60, `expected at least one failed attempt per event while failing, got ${failedRequests}`);
    ctx.notes.push(`${failedRequests} requests answered 500 before recovery`);
    ctx.receiver.mode = "ok";
  }, 60_000);
}

/** The receiver hangs (never answers) for 5 s with a 1 s request timeout, then answers. */
export function receiverHangs(): Promise<DrillResult> {
  return withDrill("receiver-hang", { receiverMode: "hang" }, async (ctx) => {
    await ctx.send(30);
    await sleep(5_000);
    const hung = ctx.receiver.stats().requests;
    // WEBHOOK_MAX_CONCURRENCY (6) attempts hang at a time, each for the 1 s timeout.
    ctx.check(hung >= 12, `expected several rounds of timed-out attempts while hanging, got ${hung} requests`);
    ctx.notes.push(`${hung} requests left hanging (timed out by the worker) before recovery`);
    ctx.receiver.mode = "ok";
  }, 60_000);
}

/**
 * 410 Gone: the worker stops retrying and disables the webhook; the deliveries are kept as failed.
 * Then the owner fixes the receiver, re-enables the webhook and redelivers every failed one.
 */
export function receiverGone(): Promise<DrillResult> {
  return withDrill("receiver-410", { receiverMode: "gone410" }, async (ctx) => {
    await ctx.send(20);
    await sleep(6_000);
    const first = ctx.receiver.stats().requests;
    await sleep(4_000);
    const second = ctx.receiver.stats().requests;
    ctx.check(first > 0, "the receiver never got the 410 attempt");
    ctx.check(second === first, `attempts kept arriving after 410 (${first} -> ${second})`);
    const find = await callApi(ctx.worker.api, "GET", `/webhook/find/${INSTANCE}`);
    ctx.check((find.json as { enabled?: boolean }).enabled === false, `webhook still enabled after 410: ${JSON.stringify(find.json)}`);
    const failed = await deliveryIds(ctx.worker, "failed");
    const pending = await deliveryIds(ctx.worker, "pending");
    ctx.check(failed.length === 20 && pending.length === 0, `expected 20 failed and 0 pending deliveries, got ${failed.length} failed, ${pending.length} pending`);
    ctx.notes.push(`${first} requests answered 410, then none; webhook disabled; ${failed.length} deliveries kept as failed`);
    ctx.receiver.mode = "ok";
    await setWebhook(ctx.worker.api, INSTANCE, ctx.receiver.url);
    for (const id of failed) {
      const res = await callApi(ctx.worker.api, "POST", `/deliveries/${INSTANCE}/${id}/redeliver`);
      if (res.status !== 202) throw new DrillFailure(`redeliver ${id}: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
    }
    ctx.notes.push("webhook re-enabled and every failed delivery redelivered through the API");
  }, 60_000);
}
