// Composition root: the Worker's fetch, queue and scheduled handlers. Composes only.
import { createApp } from "./app.ts";
import type { DeliveryJob, Env } from "./env.ts";
import { defaultConsumerDeps, handleQueueBatch } from "./delivery/consumer.ts";
import { runHousekeeping } from "./delivery/sweep.ts";
import { withUsage } from "./usage.ts";

export { FleetRegistry } from "./fleet/registry.ts";
export { ConnectorHub } from "./fleet/hub.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await withUsage("queue", { queue: batch.queue, messagesReceived: batch.messages.length }, () => handleQueueBatch(batch, env, defaultConsumerDeps()));
  },
  // Awaited (not waitUntil) so a trigger returns when the run is done; the clock is the
  // controller's scheduledTime, so a trigger with a later time runs retention as of then.
  async scheduled(controller, env, _ctx) {
    await withUsage("housekeeping", {}, () => runHousekeeping(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env, DeliveryJob>;
