// Route middleware shared by the management API routes: the body cap (413) and the
// "instance must exist" check (404), which runs after auth and before body validation.
import { bodyLimit } from "hono/body-limit";
import type { MiddlewareHandler } from "hono";
import { ApiError, instanceNotFound } from "../errors.ts";
import type { AppBindings } from "../app-types.ts";
import type { InstanceRow } from "../storage/schema.ts";

/** Largest request body the management API accepts (ingest has its own limit, protocol/envelope.ts). */
export const MAX_API_BODY_BYTES = 1024 * 1024;

/** Caps the body at `maxBytes`, as hono's bodyLimit does; larger bodies get a 413 Evolution body. */
export function apiBodyLimit(maxBytes = MAX_API_BODY_BYTES): MiddlewareHandler<AppBindings> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("PAYLOAD_TOO_LARGE", `Request body is larger than ${maxBytes} bytes`);
    },
  });
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
