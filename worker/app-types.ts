// Hono bindings shared by every route and middleware.
import type { Env, Config } from "./env.ts";
import type { InstanceRow } from "./storage/schema.ts";

export type AuthContext = { kind: "global" } | { kind: "instance"; instanceId: string };

export interface AppVariables {
  config: Config;
  auth: AuthContext;
  /** Set by requireInstanceAccess: the instance named in the path, if it exists. */
  instance: InstanceRow | undefined;
  requestId: string;
}

export interface AppBindings {
  Bindings: Env;
  Variables: AppVariables;
}
