// One webhook call (worker/delivery/deliver.ts callWebhook): the response's first bytes kept for the
// attempt log, whether the body declares its length (read in one call) or streams without one
// (read into one bounded buffer, the rest cancelled), status / Retry-After / errors passed on, and the
// timeout: a hanging call is aborted, a finished one leaves no timer behind.
import { describe, expect, it } from "vitest";
import { CallDeadlines, callWebhook, RESPONSE_SNIPPET_BYTES, type FetchFn } from "../../worker/delivery/deliver.ts";

const request = { url: "https://receiver.example/hook", body: "{}", headers: { "content-type": "application/json" } };
const clock = () => 1_000;
const answering = (response: () => Response): FetchFn => async () => response();

/**
 * A body of `chunks` pieces of `size` bytes each, with no declared length; counts the pieces
 * pulled. A byte stream, as the body of a fetch response is (it can be read with a BYOB reader).
 */
function streamed(chunks: number, size: number) {
  const state = { pulled: 0, cancelled: false };
  const body = new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (state.pulled === chunks) return controller.close();
      state.pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(0x61 + state.pulled));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}

describe("callWebhook's response snippet", () => {
  it("keeps a short body that declares its length, with the status and Retry-After", async () => {
    const call = await callWebhook(answering(() => new Response("busy", { status: 503, headers: { "content-length": "4", "retry-after": "30" } })), request, new CallDeadlines(5_000), clock);
    expect(call).toEqual({ result: { kind: "response", status: 503, retryAfter: "30" }, latencyMs: 0, responseBody: "busy" });
  });

  it("cuts a long body that declares its length at the snippet size", async () => {
    const text = "x".repeat(RESPONSE_SNIPPET_BYTES * 3);
    const call = await callWebhook(answering(() => new Response(text, { headers: { "content-length": String(text.length) } })), request, new CallDeadlines(5_000), clock);
    expect(call.responseBody).toBe("x".repeat(RESPONSE_SNIPPET_BYTES));
  });

  it("reads a body without a declared length only up to the snippet size and cancels the rest", async () => {
    const { body, state } = streamed(10, 600);
    const call = await callWebhook(answering(() => new Response(body)), request, new CallDeadlines(5_000), clock);
    expect(call.responseBody).toBe("b".repeat(600) + "c".repeat(RESPONSE_SNIPPET_BYTES - 600));
    expect(state.pulled).toBeLessThan(10);
    expect(state.cancelled).toBe(true);
  });

  it("keeps a short body sent without a length (chunked) whole, in one chunk or several", async () => {
    const one = streamed(1, 2);
    const call = await callWebhook(answering(() => new Response(one.body)), request, new CallDeadlines(5_000), clock);
    expect(call.responseBody).toBe("bb");
    expect(one.state.cancelled).toBe(false);
    const three = streamed(3, 5);
    const split = await callWebhook(answering(() => new Response(three.body)), request, new CallDeadlines(5_000), clock);
    expect(split.responseBody).toBe("bbbbbcccccddddd");
    expect(three.state.cancelled).toBe(false);
  });

  it("keeps no snippet for an empty body", async () => {
    const call = await callWebhook(answering(() => new Response(null, { status: 204 })), request, new CallDeadlines(5_000), clock);
    expect(call).toMatchObject({ result: { kind: "response", status: 204 }, responseBody: null });
    const declaredEmpty = await callWebhook(answering(() => new Response("", { headers: { "content-length": "0" } })), request, new CallDeadlines(5_000), clock);
    expect(declaredEmpty.responseBody).toBeNull();
  });

  it("aborts a call that outlasts the timeout", async () => {
    let signal: AbortSignal | undefined;
    const hanging: FetchFn = (_url, init) => new Promise((_resolve, reject) => {
      signal = init.signal ?? undefined;
      signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    });
    const call = await callWebhook(hanging, request, new CallDeadlines(30), clock);
    expect(call.result).toEqual({ kind: "network-error", error: "timeout after 30 ms" });
    expect(signal?.aborted).toBe(true);
  });

  it("leaves the signal of a call that answered in time unaborted after the timeout has passed", async () => {
    let signal: AbortSignal | undefined;
    const quick: FetchFn = async (_url, init) => {
      signal = init.signal ?? undefined;
      return new Response("ok", { headers: { "content-length": "2" } });
    };
    await callWebhook(quick, request, new CallDeadlines(20), clock);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(signal?.aborted).toBe(false);
  });

  it("aborts each call of a batch at its own deadline, with one timer for the calls in flight together", async () => {
    const deadlines = new CallDeadlines(40);
    const first = deadlines.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = deadlines.start();
    const quick = deadlines.start();
    quick.end();
    const abortedAt: Record<string, boolean> = {};
    await new Promise<void>((resolve) => first.signal.addEventListener("abort", () => {
      abortedAt.secondWhenFirst = second.signal.aborted;
      resolve();
    }));
    expect(abortedAt.secondWhenFirst).toBe(false);
    expect(quick.signal.aborted).toBe(false);
    await new Promise<void>((resolve) => second.signal.addEventListener("abort", () => resolve()));
    expect(second.signal.aborted).toBe(true);
    first.end();
    second.end();
  });

  it("still aborts a later call once an earlier one has ended", async () => {
    const deadlines = new CallDeadlines(30);
    const early = deadlines.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const late = deadlines.start();
    early.end();
    const started = Date.now();
    await new Promise<void>((resolve) => late.signal.addEventListener("abort", () => resolve()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(early.signal.aborted).toBe(false);
    late.end();
  });

  it("turns a failed fetch into a network error", async () => {
    const call = await callWebhook(async () => {
      throw new TypeError("connection refused");
    }, request, new CallDeadlines(5_000), clock);
    expect(call.result).toEqual({ kind: "network-error", error: "network error: connection refused" });
  });
});
