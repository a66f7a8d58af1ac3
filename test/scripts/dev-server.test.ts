// scripts/lib/dev-server.ts, as the bench and the drills start it: the worker answers behind
// wrangler's proxy on the port asked for, and the "Runtime on" line names the runtime itself,
// which answers the same requests without the proxy. The line comes from wrangler internals
// (DevEnv's proxy controller): if a wrangler update moves them, this fails instead of the bench
// silently measuring through the proxy or not starting.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sparePort } from "../../scripts/lib/local-stack.ts";
import type { GroupProcess } from "../../scripts/lib/proc.ts";
import { runtimeUrlFromLog, startWorker, waitForHttp } from "../../scripts/lib/wrangler.ts";

const SCRIPT = `export default {
  async fetch(request) {
    return Response.json({ method: request.method, path: new URL(request.url).pathname, body: await request.text() });
  },
};`;

describe("dev-server.ts", () => {
  let dir = "";
  let proc: GroupProcess | undefined;
  let port = 0;
  let logFile = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "l2msg-dev-server-"));
    writeFileSync(join(dir, "worker.js"), SCRIPT);
    writeFileSync(join(dir, "wrangler.toml"), `name = "dev-server-test"\nmain = "worker.js"\ncompatibility_date = "2026-04-20"\n`);
    port = await sparePort();
    logFile = join(dir, "worker.log");
    proc = startWorker({ config: join(dir, "wrangler.toml"), port, logFile });
    await waitForHttp(`http://127.0.0.1:${port}/`, 60_000, proc);
  }, 90_000);

  afterAll(async () => {
    await proc?.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints the runtime's own URL, which answers like the proxied port", async () => {
    const runtime = await runtimeUrlFromLog(logFile);
    expect(new URL(runtime).hostname).toBe("127.0.0.1");
    expect(new URL(runtime).port).not.toBe(String(port));
    const post = (base: string) => fetch(`${base}/connector/v1/events`, { method: "POST", body: "batch" }).then((r) => r.json());
    const expected = { method: "POST", path: "/connector/v1/events", body: "batch" };
    expect(await post(`http://127.0.0.1:${port}`)).toEqual(expected);
    expect(await post(runtime)).toEqual(expected);
  });

  it("runtimeUrlFromLog reads only the output after the given offset", async () => {
    await expect(runtimeUrlFromLog(logFile, Number.MAX_SAFE_INTEGER, 300)).rejects.toThrow(/no "Runtime on" line/);
  });
});
