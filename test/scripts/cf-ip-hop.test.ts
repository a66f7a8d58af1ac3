// The bench's switch for miniflare's local-only outbound hop, against the miniflare wrangler
// actually loads: if a miniflare update moves or renames the option, this fails instead of the
// bench silently measuring with the hop.
import { describe, expect, it } from "vitest";
import { skipCfConnectingIpHop, wranglersMiniflare } from "../../scripts/lib/cf-ip-hop.ts";

const workerOptions = { modules: true, script: "export default {}" };

describe("skipCfConnectingIpHop", () => {
  it("turns miniflare's CF-Connecting-IP hop off for every Worker validated afterwards, once", () => {
    const miniflare = wranglersMiniflare();
    // A copy of the plugin object: the process-wide one stays as miniflare made it for other tests.
    const copy = { CORE_PLUGIN: { ...miniflare.CORE_PLUGIN } };
    expect(copy.CORE_PLUGIN.options.parse(workerOptions).stripCfConnectingIp).toBe(true);
    skipCfConnectingIpHop(copy);
    expect(copy.CORE_PLUGIN.options.parse(workerOptions).stripCfConnectingIp).toBe(false);
    const wrapped = copy.CORE_PLUGIN.options;
    skipCfConnectingIpHop(copy);
    expect(copy.CORE_PLUGIN.options).toBe(wrapped);
    // Other options still go through miniflare's own validation.
    expect(copy.CORE_PLUGIN.options.parse({ ...workerOptions, compatibilityDate: "2026-04-20" }).compatibilityDate).toBe("2026-04-20");
    expect(miniflare.CORE_PLUGIN.options.parse(workerOptions).stripCfConnectingIp).toBe(true);
  });
});
