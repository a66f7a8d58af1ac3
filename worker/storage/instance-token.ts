// Instance token rotation (PUT /instance/refreshToken). db first, domain rows out; no HTTP.
import { eq } from "drizzle-orm";
import { getDb } from "./db.ts";
import { generateInstanceToken } from "./instances.ts";
import { instances, type InstanceRow } from "./schema.ts";

/** Stores a fresh random token; the old one stops authenticating as soon as this returns. */
export async function rotateInstanceToken(d1: D1Database, instance: InstanceRow, now: number): Promise<InstanceRow> {
  const token = generateInstanceToken();
  await getDb(d1).update(instances).set({ token, updatedAt: now }).where(eq(instances.id, instance.id)).run();
  return { ...instance, token, updatedAt: now };
}
