// `apikey` authentication (docs/api.md#authentication): the global key everywhere, an instance token only on its
// own instance's routes. Checked before existence so callers cannot probe instance names.
import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "../protocol/signing.ts";
import { unauthorized } from "./errors.ts";
import type { AppBindings } from "./app-types.ts";
import { findInstanceByName, findInstanceByToken } from "./storage/instances.ts";

/** Only the global API key. */
export function requireGlobalKey(): MiddlewareHandler<AppBindings> {
  return async function requireGlobalKeyMiddleware(c, next) {
    const key = c.req.header("apikey") ?? "";
    if (!key || !timingSafeEqual(key, c.var.config.apiKey)) throw unauthorized();
    c.set("auth", { kind: "global" });
    await next();
  };
}

/**
 * The global key, or the token of the instance named in the `:instance` path parameter.
 * Loads the instance (if any) into `c.var.instance`; a missing instance is only reported
 * by the route after this has passed.
 */
export function requireInstanceAccess(): MiddlewareHandler<AppBindings> {
  return async function requireInstanceAccessMiddleware(c, next) {
    const key = c.req.header("apikey") ?? "";
    if (!key) throw unauthorized();
    const name = c.req.param("instance") ?? "";
    const instance = await findInstanceByName(c.env.DB, name);
    if (timingSafeEqual(key, c.var.config.apiKey)) {
      c.set("auth", { kind: "global" });
    } else if (instance && timingSafeEqual(key, instance.token)) {
      c.set("auth", { kind: "instance", instanceId: instance.id });
    } else {
      throw unauthorized();
    }
    c.set("instance", instance);
    await next();
  };
}

/**
 * The global key or any instance's token (for routes not scoped to one instance, like
 * fetchInstances). With a token, `c.var.instance` is that token's instance.
 */
export function requireAnyKey(): MiddlewareHandler<AppBindings> {
  return async function requireAnyKeyMiddleware(c, next) {
    const key = c.req.header("apikey") ?? "";
    if (!key) throw unauthorized();
    if (timingSafeEqual(key, c.var.config.apiKey)) {
      c.set("auth", { kind: "global" });
      c.set("instance", undefined);
    } else {
      const instance = await findInstanceByToken(c.env.DB, key);
      if (!instance) throw unauthorized();
      c.set("auth", { kind: "instance", instanceId: instance.id });
      c.set("instance", instance);
    }
    await next();
  };
}
