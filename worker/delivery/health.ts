// Endpoint health (docs/delivery.md#endpoint-health): what one consumer batch's attempts change in
// each instance webhook's health — last success, the failure streak since it, the last error.
// Pure: no I/O, no clock; the result goes into the batch's settlement transaction.
import type { DeliveryContext } from "../storage/deliveries.ts";
import type { WebhookHealthUpdate } from "../storage/webhook-health.ts";
import type { BatchSettlement } from "./store.ts";

/** Per webhook, the attempts of this batch in time order: the streak after the last success counts. */
export function healthUpdates(settlement: Pick<BatchSettlement, "attempts">, contexts: ReadonlyMap<string, DeliveryContext>): WebhookHealthUpdate[] {
  const attempts = [...settlement.attempts].sort((a, b) => a.attempt.startedAt - b.attempt.startedAt);
  const updates = new Map<string, WebhookHealthUpdate>();
  for (const settled of attempts) {
    const d = contexts.get(settled.deliveryId)?.delivery;
    if (!d || d.target !== "instance" || !d.instanceId || !d.webhookId) continue;
    const key = `${d.instanceId}\n${d.webhookId}`;
    const u = updates.get(key) ?? {
      instanceId: d.instanceId, webhookId: d.webhookId, lastSuccessAt: null, reset: false,
      failures: 0, firstFailureAt: null, lastFailureAt: null, lastError: null,
    };
    const at = settled.attempt.startedAt + settled.attempt.latencyMs;
    if (settled.attempt.outcome === "succeeded") {
      Object.assign(u, { lastSuccessAt: at, reset: true, failures: 0, firstFailureAt: null });
    } else {
      Object.assign(u, { failures: u.failures + 1, firstFailureAt: u.firstFailureAt ?? at, lastFailureAt: at, lastError: settled.attempt.error ?? settled.lastError });
    }
    updates.set(key, u);
  }
  return [...updates.values()];
}
