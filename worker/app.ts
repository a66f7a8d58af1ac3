// createApp(): middleware, error rendering and route mounting. Shared by worker/index.ts and tests.
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppBindings } from "./app-types.ts";
import { ApiError, REASON_PHRASES } from "./errors.ts";
import { loadConfig, ConfigError } from "./env.ts";
import { log } from "./log.ts";
import { mountRoutes } from "./routes/index.ts";

/** Largest request body the management API accepts (ingest has its own 5 MiB limit). */
export const MAX_API_BODY_BYTES = 1024 * 1024;

export function createApp() {
  const app = new OpenAPIHono<AppBindings>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError(400, result.error.issues.map((i) => `${i.path.length ? `"${i.path.join(".")}" ` : ""}${i.message}`));
      }
    },
  });

  app.use("*", async function configMiddleware(c, next) {
    c.set("requestId", crypto.randomUUID());
    c.set("config", loadConfig(c.env));
    await next();
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toBody(), err.status);
    if (err instanceof HTTPException && err.status in REASON_PHRASES) {
      const status = err.status as keyof typeof REASON_PHRASES;
      return c.json(new ApiError(status, err.message || REASON_PHRASES[status]).toBody(), status);
    }
    if (err instanceof ConfigError) {
      log.error("config_invalid", { issues: err.issues });
      return c.json(new ApiError(500, "Server misconfigured; see the worker log").toBody(), 500);
    }
    log.error("unhandled_error", { path: c.req.path, error: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
    return c.json(new ApiError(500, "Internal Server Error").toBody(), 500);
  });

  app.notFound((c) => c.json(new ApiError(404, `Cannot ${c.req.method} ${c.req.path}`).toBody(), 404));

  mountRoutes(app);
  return app;
}

export type App = ReturnType<typeof createApp>;
