// Schemas of Evolution's instance settings routes (docs/api.md#instance-settings): the body of
// POST /settings/set (camelCase, v1's snake_case names accepted too; missing fields take
// Evolution's defaults) and the answers. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import { DEFAULT_INSTANCE_SETTINGS, instanceSettingsSchema, type InstanceSettings } from "../../protocol/commands.ts";

/** Evolution v1's snake_case names → ours. */
const SNAKE_CASE: Record<string, keyof InstanceSettings> = {
  reject_call: "rejectCall",
  msg_call: "msgCall",
  groups_ignore: "groupsIgnore",
  always_online: "alwaysOnline",
  read_messages: "readMessages",
  read_status: "readStatus",
  sync_full_history: "syncFullHistory",
};

function camelCased(body: unknown): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) out[SNAKE_CASE[key] ?? key] = value;
  return out;
}

const flag = z.boolean({ error: "must be a boolean" }).optional();

export const settingsSetBodySchema = z
  .preprocess(
    camelCased,
    z.object({
      rejectCall: flag,
      msgCall: z.string({ error: "must be a string" }).max(4096, { error: "must be at most 4096 characters" }).optional(),
      groupsIgnore: flag,
      alwaysOnline: flag,
      readMessages: flag,
      readStatus: flag,
      syncFullHistory: flag,
    }, { error: "must be an object" }),
  )
  .openapi("SettingsSetBody", { description: "Every field optional; a missing one is set to Evolution's default (false, msgCall \"\")" });

export const settingsViewSchema = instanceSettingsSchema.openapi("InstanceSettings");
export const settingsSetResponseSchema = z.object({ settings: z.object({ instanceName: z.string(), settings: settingsViewSchema }) }).openapi("SettingsSetResponse");

/** The whole settings object a set stores: each set replaces every field, as Evolution does. */
export function settingsFromBody(body: z.infer<typeof settingsSetBodySchema>): InstanceSettings {
  return { ...DEFAULT_INSTANCE_SETTINGS, ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) };
}
