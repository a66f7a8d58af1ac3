// Request/response schemas of the webhook config routes (docs/api.md#webhook-config) and the normalisation of the
// flat (seed) and wrapped (Evolution v2) bodies into one WebhookSettings. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import { INSTANCE_SUBSCRIPTION_NAMES, canonicalSubscription, type SubscriptionName } from "../events/names.ts";
import { RESERVED_HEADER_NAMES } from "../delivery/request.ts";
import { booleanField, instanceNameSchema, webhookUrlSchema, type UnionBranchPicker } from "./common.ts";

/** The stored, canonical webhook configuration of one instance (the secret lives elsewhere). */
export interface WebhookSettings {
  enabled: boolean;
  url: string;
  /** Canonical subscription names; empty means every event. */
  events: SubscriptionName[];
  byEvents: boolean;
  base64: boolean;
  headers: Record<string, string>;
}

export const MAX_CUSTOM_HEADERS = 20;
export const MAX_HEADER_NAME_LENGTH = 64;
export const MAX_HEADER_VALUE_LENGTH = 1024;


const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

export const eventListSchema = z
  .array(z.string({ error: "each event must be a string" }), { error: "must be an array of event names" })
  .max(100, { error: "must list at most 100 events" })
  .transform((names, ctx) => {
    const events: SubscriptionName[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const canonical = canonicalSubscription(name);
      if (!canonical || !INSTANCE_SUBSCRIPTION_NAMES.includes(canonical)) unknown.push(name);
      else if (!events.includes(canonical)) events.push(canonical);
    }
    if (unknown.length) {
      ctx.addIssue({
        code: "custom",
        message: `unknown event ${unknown.map((n) => JSON.stringify(n)).join(", ")}; valid events: ${INSTANCE_SUBSCRIPTION_NAMES.join(", ")} (aliases: GROUP_UPDATE, NEW_JWT_TOKEN)`,
      });
      return z.NEVER;
    }
    return events;
  })
  .openapi({
    type: "array",
    items: { type: "string", enum: [...INSTANCE_SUBSCRIPTION_NAMES, "GROUP_UPDATE", "NEW_JWT_TOKEN"] },
    description: "Subscription names; missing or empty means every event. Aliases are stored as the canonical name.",
    example: ["MESSAGES_UPSERT", "CONNECTION_UPDATE"],
  });

function headerProblem(name: string, value: string): string | undefined {
  if (!HEADER_NAME.test(name) || name.length > MAX_HEADER_NAME_LENGTH) return `"${name}" is not a valid header name`;
  if (RESERVED_HEADER_NAMES.has(name.toLowerCase())) return `"${name}" is set by l2msg and cannot be overridden`;
  if (value.length > MAX_HEADER_VALUE_LENGTH) return `the value of "${name}" must be at most ${MAX_HEADER_VALUE_LENGTH} characters`;
  if (!HEADER_VALUE.test(value)) return `the value of "${name}" must be printable ASCII without line breaks`;
  return undefined;
}

export const headersSchema = z
  .record(z.string(), z.string({ error: "header values must be strings" }), { error: "must be an object of header names to string values" })
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > MAX_CUSTOM_HEADERS) {
      ctx.addIssue({ code: "custom", message: `must have at most ${MAX_CUSTOM_HEADERS} headers` });
      return;
    }
    const seen = new Set<string>();
    for (const name of names) {
      const problem = headerProblem(name, headers[name] ?? "");
      if (problem) ctx.addIssue({ code: "custom", message: problem });
      if (seen.has(name.toLowerCase())) ctx.addIssue({ code: "custom", message: `"${name}" is given twice (header names are case-insensitive)` });
      seen.add(name.toLowerCase());
    }
  })
  .openapi({
    description: `Extra headers sent with every delivery (at most ${MAX_CUSTOM_HEADERS}); signature and system headers cannot be overridden.`,
    example: { Authorization: "Bearer my-receiver-token" },
  });

export const flatWebhookBodySchema = z
  .object({
    enabled: booleanField().optional().openapi({ description: "Default true" }),
    url: webhookUrlSchema,
    webhook_by_events: booleanField().optional(),
    webhook_base64: booleanField().optional(),
    events: eventListSchema.optional(),
    headers: headersSchema.optional(),
  })
  .openapi("WebhookSetFlat");

export const wrappedWebhookBodySchema = z
  .object({
    webhook: z.object(
      {
        enabled: booleanField().optional().openapi({ description: "Default true" }),
        url: webhookUrlSchema,
        byEvents: booleanField().optional(),
        base64: booleanField().optional(),
        // Evolution v2's spellings of byEvents / base64; the short ones win when both are given.
        webhookByEvents: booleanField().optional(),
        webhookBase64: booleanField().optional(),
        events: eventListSchema.optional(),
        headers: headersSchema.optional(),
      },
      { error: "must be an object" },
    ),
  })
  .openapi("WebhookSetWrapped");

export const webhookSetBodySchema = z
  .union([wrappedWebhookBodySchema, flatWebhookBodySchema])
  .openapi({ description: "The seed's flat body or Evolution v2's wrapped `{webhook:{...}}` body" });

/** Errors for the form the caller used: wrapped when `webhook` is an object, else flat. */
export const pickWebhookBodyBranch: UnionBranchPicker = (branches, input) => {
  const wrapped = typeof input === "object" && input !== null && typeof (input as { webhook?: unknown }).webhook === "object";
  return branches[wrapped ? 0 : 1];
};

export type WebhookSetBody = z.output<typeof webhookSetBodySchema>;

export function settingsFromBody(body: WebhookSetBody): WebhookSettings {
  if ("webhook" in body) {
    const w = body.webhook;
    return {
      enabled: w.enabled ?? true, url: w.url, events: w.events ?? [],
      byEvents: w.byEvents ?? w.webhookByEvents ?? false, base64: w.base64 ?? w.webhookBase64 ?? false, headers: w.headers ?? {},
    };
  }
  return {
    enabled: body.enabled ?? true,
    url: body.url,
    events: body.events ?? [],
    byEvents: body.webhook_by_events ?? false,
    base64: body.webhook_base64 ?? false,
    headers: body.headers ?? {},
  };
}

export const webhookViewSchema = z
  .object({
    enabled: z.boolean(),
    url: z.string(),
    events: z.array(z.string()).openapi({ description: "Canonical subscription names; every name when the webhook takes every event" }),
    webhook_by_events: z.boolean(),
    webhook_base64: z.boolean(),
    headers: z.record(z.string(), z.string()),
  })
  .openapi("WebhookConfig");

export type WebhookView = z.infer<typeof webhookViewSchema>;

/** What find returns for an instance that never had a webhook set (docs/api.md#webhook-config). */
export const EMPTY_WEBHOOK_VIEW: WebhookView = { enabled: false, url: "", events: [], webhook_by_events: false, webhook_base64: false, headers: {} };

/**
 * The find answer. A webhook that takes every event is stored as `[]` (so events added later are
 * included) but listed with every name, as Evolution does (docs/api.md#webhook-config).
 */
export function toWebhookView(settings: WebhookSettings | undefined): WebhookView {
  if (!settings) return { ...EMPTY_WEBHOOK_VIEW, events: [], headers: {} };
  return { ...toWebhookSetView(settings), events: settings.events.length ? [...settings.events] : [...INSTANCE_SUBSCRIPTION_NAMES] };
}

/** The set answer echoes the stored list (`[]` = every event). */
export function toWebhookSetView(settings: WebhookSettings): WebhookView {
  return {
    enabled: settings.enabled,
    url: settings.url,
    events: [...settings.events],
    webhook_by_events: settings.byEvents,
    webhook_base64: settings.base64,
    headers: { ...settings.headers },
  };
}

export const webhookSetResponseSchema = z
  .object({ webhook: z.object({ instanceName: instanceNameSchema, webhook: webhookViewSchema }) })
  .openapi("WebhookSetResponse");
