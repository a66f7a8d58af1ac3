// The `instance_settings` table: Evolution's per-instance settings as set through the API
// (docs/api.md#instance-settings). No row means the defaults. Query functions only.
import { eq, inArray } from "drizzle-orm";
import { DEFAULT_INSTANCE_SETTINGS, type ConnectorSettings, type InstanceSettings } from "../../protocol/commands.ts";
import { getDb } from "./db.ts";
import { instances, instanceSettings } from "./schema.ts";
import { wantsMediaBase64 } from "./webhooks.ts";

export async function saveInstanceSettings(d1: D1Database, instanceId: string, settings: InstanceSettings, now = Date.now()): Promise<InstanceSettings> {
  const fields = { ...settings, updatedAt: now };
  await getDb(d1).insert(instanceSettings).values({ instanceId, ...fields }).onConflictDoUpdate({ target: instanceSettings.instanceId, set: fields }).run();
  return settings;
}

export async function findInstanceSettings(d1: D1Database, instanceId: string): Promise<InstanceSettings> {
  const row = await getDb(d1).select().from(instanceSettings).where(eq(instanceSettings.instanceId, instanceId)).get();
  return row ? pickSettings(row) : DEFAULT_INSTANCE_SETTINGS;
}

/**
 * The connector settings of the named instances that exist (stored settings, defaults without a
 * row, plus `mediaBase64` from their webhooks): what the assignment list carries.
 */
export async function connectorSettingsByName(d1: D1Database, names: string[]): Promise<Map<string, ConnectorSettings>> {
  const found = new Map<string, ConnectorSettings>();
  if (names.length === 0) return found;
  const rows = await getDb(d1)
    .select({ id: instances.id, name: instances.name, settings: instanceSettings })
    .from(instances)
    .leftJoin(instanceSettings, eq(instances.id, instanceSettings.instanceId))
    .where(inArray(instances.name, names))
    .all();
  for (const { id, name, settings } of rows) {
    found.set(name, { ...(settings ? pickSettings(settings) : DEFAULT_INSTANCE_SETTINGS), mediaBase64: await wantsMediaBase64(d1, id) });
  }
  return found;
}

function pickSettings(row: typeof instanceSettings.$inferSelect): InstanceSettings {
  const { rejectCall, msgCall, groupsIgnore, alwaysOnline, readMessages, readStatus, syncFullHistory } = row;
  return { rejectCall, msgCall, groupsIgnore, alwaysOnline, readMessages, readStatus, syncFullHistory };
}
