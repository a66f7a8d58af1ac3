// Composition root: the Worker's fetch, queue and scheduled handlers. Composes only.
import { createApp } from "./app.ts";
import type { DeliveryJob, Env } from "./env.ts";
import { defaultConsumerDeps, handleQueueBatch } from "./delivery/consumer.ts";
import { runHousekeeping } from "./delivery/sweep.ts";

export { FleetRegistry } from "./fleet/registry.ts";
export { ConnectorHub } from "./fleet/hub.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await handleQueueBatch(batch, env, defaultConsumerDeps());
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runHousekeeping(env, Date.now()));
  },
} satisfies ExportedHandler<Env, DeliveryJob>;
