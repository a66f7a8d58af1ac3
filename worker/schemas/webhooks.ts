// Request/response schemas of the /webhooks routes (several webhooks per instance, docs/api.md#webhooks):
// one flat body for create and replace, with filters and order per chat. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import type { WebhookDefinition } from "../storage/webhooks.ts";
import type { WebhookFilters } from "../storage/schema.ts";
import { booleanField, webhookUrlSchema } from "./common.ts";
import { eventListSchema, headersSchema } from "./webhook.ts";

const FILTER_MODES = ["include", "exclude", "only"] as const;
const filterMode = (what: string) =>
  z.enum(FILTER_MODES, { error: `must be "include", "exclude" or "only"` }).optional()
    .openapi({ description: `Message events ${what}: include (default), exclude, or only these` });

export const filtersSchema = z
  .object({ groups: filterMode("in group chats"), fromMe: filterMode("sent by the instance itself") }, { error: "must be an object" })
  .strict()
  .openapi("WebhookFilters", { example: { groups: "exclude", fromMe: "include" } });

export const webhookDefinitionBodySchema = z
  .object({
    url: webhookUrlSchema,
    enabled: booleanField().optional().openapi({ description: "Default true" }),
    events: eventListSchema.optional(),
    webhook_by_events: booleanField().optional(),
    webhook_base64: booleanField().optional(),
    headers: headersSchema.optional(),
    filters: filtersSchema.optional(),
    ordered: booleanField().optional().openapi({ description: "Deliver each chat's events one at a time, in sequence order (default false)" }),
  })
  .openapi("WebhookDefinition");

export type WebhookDefinitionBody = z.output<typeof webhookDefinitionBodySchema>;

export function definitionFromBody(body: WebhookDefinitionBody): WebhookDefinition {
  return {
    url: body.url, enabled: body.enabled ?? true, events: body.events ?? [], byEvents: body.webhook_by_events ?? false,
    base64: body.webhook_base64 ?? false, headers: body.headers ?? {}, filters: body.filters ?? {}, ordered: body.ordered ?? false,
  };
}

const fullFilters = z.object({ groups: z.enum(FILTER_MODES), fromMe: z.enum(FILTER_MODES) });

export const webhookItemSchema = z
  .object({
    id: z.string().openapi({ example: "wh_3f9c2a1b7d4e8f60", description: "`default` for the webhook /webhook/set manages" }),
    url: z.string(),
    enabled: z.boolean(),
    events: z.array(z.string()).openapi({ description: "Canonical subscription names; empty means every event" }),
    webhook_by_events: z.boolean(),
    webhook_base64: z.boolean(),
    headers: z.record(z.string(), z.string()),
    filters: fullFilters,
    ordered: z.boolean(),
  })
  .openapi("Webhook");

export const webhookListSchema = z.object({ webhooks: z.array(webhookItemSchema) }).openapi("WebhookList");

export function toWebhookItem(webhook: WebhookDefinition & { id: string }): z.infer<typeof webhookItemSchema> {
  const filters: Required<WebhookFilters> = { groups: webhook.filters.groups ?? "include", fromMe: webhook.filters.fromMe ?? "include" };
  return {
    id: webhook.id, url: webhook.url, enabled: webhook.enabled, events: [...webhook.events], webhook_by_events: webhook.byEvents,
    webhook_base64: webhook.base64, headers: { ...webhook.headers }, filters, ordered: webhook.ordered,
  };
}

export const webhookParamsSchema = z.object({
  instance: z.string().openapi({ param: { name: "instance", in: "path" }, example: "sales" }),
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "default" }),
});
