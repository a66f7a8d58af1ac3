// The `instance_settings` table: Evolution's per-instance settings as set through the API
// (docs/api.md#instance-settings). No row means the defaults. Query functions only.
import { eq } from "drizzle-orm";
import { DEFAULT_INSTANCE_SETTINGS, type InstanceSettings } from "../../protocol/commands.ts";
import { getDb } from "./db.ts";
import { instanceSettings } from "./schema.ts";

export async function saveInstanceSettings(d1: D1Database, instanceId: string, settings: InstanceSettings, now = Date.now()): Promise<InstanceSettings> {
  const fields = { ...settings, updatedAt: now };
  await getDb(d1).insert(instanceSettings).values({ instanceId, ...fields }).onConflictDoUpdate({ target: instanceSettings.instanceId, set: fields }).run();
  return settings;
}

export async function findInstanceSettings(d1: D1Database, instanceId: string): Promise<InstanceSettings> {
  const row = await getDb(d1).select().from(instanceSettings).where(eq(instanceSettings.instanceId, instanceId)).get();
  if (!row) return DEFAULT_INSTANCE_SETTINGS;
  const { rejectCall, msgCall, groupsIgnore, alwaysOnline, readMessages, readStatus, syncFullHistory } = row;
  return { rejectCall, msgCall, groupsIgnore, alwaysOnline, readMessages, readStatus, syncFullHistory };
}
