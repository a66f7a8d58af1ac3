// Local runtime only: miniflare routes every outbound fetch of a user Worker through an extra
// Worker of its own ("strip-cf-connecting-ip", which drops the CF-Connecting-IP header). That hop
// does not exist in production, where the header is handled at Cloudflare's edge. Locally it runs
// on the same single workerd thread as the worker, D1 and the queue, so each webhook POST pays a
// second Worker invocation there, and the wrappers of its requests die in bulk (the stalls behind
// the bench's p99, BENCHMARKS.md). wrangler offers no switch for it (it sets the option only for
// its own proxy Worker), so the bench turns it off by wrapping miniflare's core options schema,
// which miniflare reads when it validates a Worker's options. Used by scripts/lib/dev-server.ts
// when asked (`--direct-outbound`); `npm start` and the drills keep the hop, like `wrangler dev`.
import { createRequire } from "node:module";

interface OptionsSchema {
  transform(fn: (options: Record<string, unknown>) => Record<string, unknown>): OptionsSchema;
  parse(input: unknown): Record<string, unknown>;
}

interface MiniflareModule {
  CORE_PLUGIN: { options: OptionsSchema };
}

/** The miniflare module wrangler itself loads (not a copy of our own: it is wrangler's dependency). */
export function wranglersMiniflare(): MiniflareModule {
  const fromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler"));
  return fromWrangler("miniflare") as MiniflareModule;
}

/** Core plugins whose options schema is already wrapped. */
const wrapped = new WeakSet<object>();

/**
 * Makes every Worker miniflare validates from now on send its fetches straight out
 * (`stripCfConnectingIp: false`). Idempotent.
 */
export function skipCfConnectingIpHop(miniflare: MiniflareModule = wranglersMiniflare()): void {
  const core = miniflare.CORE_PLUGIN;
  if (wrapped.has(core)) return;
  core.options = core.options.transform((options) => ({ ...options, stripCfConnectingIp: false }));
  wrapped.add(core);
}
