// Instance queries. db first, domain rows out; no HTTP here.
import { eq } from "drizzle-orm";
import { getDb } from "./db.ts";
import { instances, type InstanceRow } from "./schema.ts";

export async function findInstanceByName(d1: D1Database, name: string): Promise<InstanceRow | undefined> {
  if (!name) return undefined;
  return getDb(d1).select().from(instances).where(eq(instances.name, name)).get();
}
