// Request/response schemas of the instance routes (docs/api.md#create, Evolution v1 shapes) and the
// functions that shape responses from stored rows. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import type { InstanceRow } from "../storage/schema.ts";
import { booleanField, instanceNameSchema, isAbsoluteHttpUrl } from "./common.ts";
import { eventListSchema, type WebhookSettings } from "./webhook.ts";

const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/** Treats `""` like a missing field: Evolution clients often send empty strings for "none". */
const emptyAsMissing = (value: unknown) => (value === "" ? undefined : value);

const tokenSchema = z.preprocess(
  emptyAsMissing,
  z
    .string({ error: "must be a string" })
    .min(8, { error: "must be at least 8 characters" })
    .max(256, { error: "must be at most 256 characters" })
    .regex(TOKEN_PATTERN, { error: "must be printable ASCII without spaces" })
    .optional(),
).openapi({ type: "string", minLength: 8, maxLength: 256, pattern: TOKEN_PATTERN.source, description: "The instance's own API key; generated when omitted (\"\" counts as omitted)", example: "my-instance-token" });

const numberSchema = z.preprocess(
  emptyAsMissing,
  z
    .string({ error: "must be a string of digits" })
    .regex(/^\+?\d{6,20}$/, { error: "must be a phone number: 6-20 digits with country code" })
    .optional(),
).openapi({ type: "string", pattern: "^\\+?\\d{6,20}$", description: "Phone number for a pairing code instead of a QR code", example: "15551234567" });

const createWebhookUrlSchema = z.preprocess(
  emptyAsMissing,
  z
    .string({ error: "must be a string" })
    .trim()
    .max(2048, { error: "must be at most 2048 characters" })
    .refine(isAbsoluteHttpUrl, { error: "must be an absolute http(s) URL" })
    .optional(),
).openapi({ type: "string", format: "uri", maxLength: 2048, description: "Webhook URL (absolute http(s), public host); when given the instance webhook is configured too", example: "https://example.com/whatsapp/webhook" });

export const createInstanceBodySchema = z
  .object({
    instanceName: instanceNameSchema,
    token: tokenSchema,
    qrcode: booleanField().optional().openapi({ description: "Start connecting and return the first QR code" }),
    number: numberSchema,
    webhook: createWebhookUrlSchema,
    webhook_by_events: booleanField().optional(),
    webhook_base64: booleanField().optional(),
    events: eventListSchema.optional(),
  })
  .openapi("InstanceCreate");

export type CreateInstanceBody = z.output<typeof createInstanceBodySchema>;

/** The webhook settings a create body asks for, if it names a webhook URL. */
export function webhookFromCreateBody(body: CreateInstanceBody): WebhookSettings | undefined {
  if (!body.webhook) return undefined;
  return {
    enabled: true,
    url: body.webhook,
    events: body.events ?? [],
    byEvents: body.webhook_by_events ?? false,
    base64: body.webhook_base64 ?? false,
    headers: {},
  };
}

export const qrcodeSchema = z
  .object({ pairingCode: z.string().nullable(), code: z.string(), base64: z.string(), count: z.number().int() })
  .openapi("QrCode");

export const createInstanceResponseSchema = z
  .object({
    instance: z.object({ instanceName: z.string(), instanceId: z.string().uuid(), status: z.literal("created") }),
    hash: z.object({ apikey: z.string() }),
    webhook: z.object({
      webhook: z.string().openapi({ description: "The webhook URL, or \"\" when none was given" }),
      webhook_by_events: z.boolean(),
      webhook_base64: z.boolean(),
      events: z.array(z.string()).openapi({ description: "Empty means every event" }),
    }),
    qrcode: qrcodeSchema.optional(),
  })
  .openapi("InstanceCreated");

export type CreateInstanceResponse = z.infer<typeof createInstanceResponseSchema>;

export function createdInstanceBody(instance: InstanceRow, webhook: WebhookSettings | undefined): CreateInstanceResponse {
  return {
    instance: { instanceName: instance.name, instanceId: instance.id, status: "created" },
    hash: { apikey: instance.token },
    webhook: {
      webhook: webhook?.url ?? "",
      webhook_by_events: webhook?.byEvents ?? false,
      webhook_base64: webhook?.base64 ?? false,
      events: webhook ? [...webhook.events] : [],
    },
  };
}

export const fetchInstancesQuerySchema = z.object({
  instanceName: z.string().optional().openapi({ param: { name: "instanceName", in: "query" }, description: "Only this instance (404 when it does not exist)" }),
});

export const instanceItemSchema = z
  .object({
    instance: z.object({
      instanceName: z.string(),
      instanceId: z.string(),
      owner: z.string().nullable().openapi({ description: "Connected JID, null until connected" }),
      profileName: z.string().nullable(),
      profilePictureUrl: z.string().nullable(),
      status: z.string().openapi({ description: "created, open, connecting or close" }),
      serverUrl: z.string(),
      connectorId: z.string().nullable().openapi({ description: "The connector that owns the instance now (null: none)" }),
      apikey: z.string().optional().openapi({ description: "Only when AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true" }),
    }),
  })
  .openapi("InstanceItem");

export type InstanceItem = z.infer<typeof instanceItemSchema>;

export function instanceItem(row: InstanceRow, serverUrl: string, exposeApiKey: boolean, connectorId: string | null = null): InstanceItem {
  return {
    instance: {
      instanceName: row.name,
      instanceId: row.id,
      owner: row.ownerJid,
      profileName: row.profileName,
      profilePictureUrl: row.profilePictureUrl,
      status: row.status,
      serverUrl,
      connectorId,
      ...(exposeApiKey ? { apikey: row.token } : {}),
    },
  };
}

export const statusResponseSchema = z
  .object({ status: z.literal("SUCCESS"), error: z.literal(false), response: z.object({ message: z.string() }) })
  .openapi("StatusResponse");
