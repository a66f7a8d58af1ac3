// The local worker without wrangler's DevTools inspector: wrangler's programmatic
// `unstable_startWorker` in local mode with `dev.inspector: false`. `wrangler dev` (CLI) always
// attaches its InspectorProxyWorker, which POSTs every DevTools message of the runtime (each
// console.log, several Network.* events per outbound fetch) to wrangler's node process as a
// "debug-log" request: thousands of loopback sockets and a slower worker under load
// (BENCHMARKS.md). Everything else is as under `wrangler dev --local`: the same config and
// bundling, .dev.vars beside the config (with --var winning), local D1 persisted under
// --persist-to, local Queues, crons fired through /cdn-cgi/handler/scheduled.
//
//   node --import tsx scripts/lib/dev-server.ts --config wrangler.toml --port 8787
//     [--persist-to DIR] [--var KEY:VALUE ...] [--test-scheduled] [--script bundle.js] [--log-level log]
//     [--direct-outbound]   (the worker's fetches skip miniflare's local-only CF-Connecting-IP hop: cf-ip-hop.ts)
//
// Prints "Ready on http://127.0.0.1:PORT" once the worker answers, then "Runtime on URL": the
// local runtime itself, behind wrangler's proxy (see runtimeUrlOf). SIGTERM/SIGINT/SIGHUP dispose it.
// Local only: 127.0.0.1, no Cloudflare account, no remote bindings.
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import type { unstable_DevEnv, unstable_startWorker } from "wrangler";
import { skipCfConnectingIpHop } from "./cf-ip-hop.ts";

// Offline and quiet even when started by hand (scripts/lib/wrangler.ts sets the same); set before
// wrangler is loaded.
for (const [key, value] of Object.entries({ WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" })) {
  process.env[key] ??= value;
}

type StartInput = Parameters<typeof unstable_startWorker>[0];
type LogLevel = NonNullable<NonNullable<StartInput["dev"]>["logLevel"]>;
const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "log", "warn", "error", "none"];

function options() {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      port: { type: "string" },
      "persist-to": { type: "string" },
      var: { type: "string", multiple: true, default: [] },
      "test-scheduled": { type: "boolean", default: false },
      script: { type: "string" },
      "log-level": { type: "string", default: "log" },
      "direct-outbound": { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  if (!values.config || !Number.isInteger(port) || port <= 0) throw new Error("usage: dev-server.ts --config PATH --port N [--persist-to DIR] [--var KEY:VALUE ...] [--test-scheduled] [--script bundle.js]");
  const logLevel = values["log-level"] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  const vars: Record<string, string> = {};
  for (const kv of values.var as string[]) {
    const colon = kv.indexOf(":");
    if (colon <= 0) throw new Error(`--var expects KEY:VALUE, got ${JSON.stringify(kv)}`);
    vars[kv.slice(0, colon)] = kv.slice(colon + 1);
  }
  return { config: resolve(values.config), port, persistTo: values["persist-to"], vars, testScheduled: values["test-scheduled"] as boolean, script: values.script, logLevel, directOutbound: values["direct-outbound"] as boolean };
}

let worker: Awaited<ReturnType<typeof unstable_startWorker>> | undefined;
let disposing = false;

/**
 * The URL of the runtime itself, as wrangler hands it to its proxy. `Ready on` is wrangler's
 * ProxyWorker, a Durable Object in a second workerd that queues each request and forwards it
 * (live reload, pausing requests during a rebuild); the runtime's own URL skips that local-only
 * hop, as a deployed Worker has none. The bench sends its ingest batches there (`--proxy-hop`
 * keeps the hop); everything else uses `Ready on`, like `wrangler dev`.
 */
function runtimeUrlOf(devEnv: InstanceType<typeof unstable_DevEnv>): Promise<string> {
  const proxy = devEnv.proxy;
  const forward = proxy.onReloadComplete.bind(proxy);
  return new Promise((resolve) => {
    proxy.onReloadComplete = (event) => {
      const { protocol, hostname, port } = event.proxyData.userWorkerUrl;
      resolve(`${protocol}//${hostname}:${port}`);
      forward(event);
    };
  });
}

function stop(signal: string): void {
  if (disposing) return;
  disposing = true;
  // Bounded: the parent SIGKILLs the process group (workerd included) anyway if this hangs.
  setTimeout(() => process.exit(0), 5_000).unref();
  if (!worker) process.exit(0);
  worker.dispose().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`dispose after ${signal} failed:`, error);
      process.exit(1);
    },
  );
}

async function main(): Promise<void> {
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => stop(signal));
  const o = options();
  const { unstable_DevEnv: DevEnv } = await import("wrangler");
  if (o.directOutbound) skipCfConnectingIpHop();
  // What unstable_startWorker does, with the runtime's URL caught on the way.
  const devEnv = new DevEnv();
  const runtimeUrl = runtimeUrlOf(devEnv);
  worker = await devEnv.startWorker({
    config: o.config,
    // A pre-built snapshot (bench, drills) runs as is, like `wrangler dev <bundle> --no-bundle`.
    ...(o.script ? { entrypoint: resolve(o.script), build: { bundle: false } } : {}),
    // Like `--var`: plain-text bindings, which win over [vars] and .dev.vars (read by wrangler from
    // beside the config, as `wrangler dev` does).
    bindings: Object.fromEntries(Object.entries(o.vars).map(([key, value]) => [key, { type: "plain_text" as const, value }])),
    sendMetrics: false,
    dev: {
      remote: false,
      inspector: false,
      server: { hostname: "127.0.0.1", port: o.port },
      persist: o.persistTo ?? undefined,
      testScheduled: o.testScheduled,
      // Source edits reload the worker like `wrangler dev`; a snapshot is never rebuilt.
      watch: !o.script,
      logLevel: o.logLevel,
    },
  });

  await worker.ready;
  const url = await worker.url;
  console.log(`Ready on ${url.origin} (inspector off)`);
  console.log(`Runtime on ${await runtimeUrl}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
