// Route middleware shared by the management API routes: the body cap (413) and the
// "instance must exist" check (404), which runs after auth and before body validation.
import { bodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import { ApiError, instanceNotFound } from "../errors.ts";
import type { AppBindings } from "../app-types.ts";
import type { InstanceRow } from "../storage/schema.ts";
// app.ts mounts the routes (an import cycle), so the constant is read on first request only.
import { MAX_API_BODY_BYTES } from "../app.ts";

/** Caps the body at MAX_API_BODY_BYTES; larger bodies get a 413 Evolution body. */
export function apiBodyLimit(): MiddlewareHandler<AppBindings> {
  let limit: MiddlewareHandler<AppBindings> | undefined;
  return function apiBodyLimitMiddleware(c, next) {
    limit ??= bodyLimit({
      maxSize: MAX_API_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, `Request body is larger than ${MAX_API_BODY_BYTES} bytes`);
      },
    });
    return limit(c, next);
  };
}

/** After requireInstanceAccess: 404 when the `:instance` in the path does not exist. */
export function requireExistingInstance(): MiddlewareHandler<AppBindings> {
  return async function requireExistingInstanceMiddleware(c, next) {
    if (!c.var.instance) throw instanceNotFound(c.req.param("instance") ?? "");
    await next();
  };
}

/** The instance loaded by the middleware above (throws the same 404 if it was not run). */
export function existingInstance(instance: InstanceRow | undefined, name: string): InstanceRow {
  if (!instance) throw instanceNotFound(name);
  return instance;
}
