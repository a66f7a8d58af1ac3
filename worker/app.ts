// createApp(): middleware, error rendering and route mounting. Shared by worker/index.ts and tests.
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppBindings } from "./app-types.ts";
import { ApiError, badRequest, codeForStatus } from "./errors.ts";
import { loadConfig, ConfigError } from "./env.ts";
import { log } from "./log.ts";
import { mountRoutes } from "./routes/index.ts";
import { withUsage } from "./usage.ts";

export function createApp() {
  const app = new OpenAPIHono<AppBindings>({
    defaultHook: (result) => {
      if (!result.success) {
        throw badRequest(result.error.issues.map((i) => `${i.path.length ? `"${i.path.join(".")}" ` : ""}${i.message}`));
      }
    },
  });

  app.use("*", async function configMiddleware(c, next) {
    c.set("requestId", crypto.randomUUID());
    c.set("config", loadConfig(c.env));
    await next();
  });

  // One `usage` line per request that touched D1 or the queue (docs/delivery.md#usage).
  app.use("*", async function usageMiddleware(c, next) {
    await withUsage("fetch", { route: `${c.req.method} ${c.req.path}` }, () => next());
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toBody(), err.status);
    const code = err instanceof HTTPException ? codeForStatus(err.status) : undefined;
    if (code) {
      const error = err.message ? new ApiError(code, err.message) : ApiError.plain(code);
      return c.json(error.toBody(), error.status);
    }
    if (err instanceof ConfigError) {
      log.error("config_invalid", { issues: err.issues });
      return c.json(new ApiError("MISCONFIGURED", "Server misconfigured; see the worker log").toBody(), 500);
    }
    log.error("unhandled_error", { path: c.req.path, error: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
    return c.json(ApiError.plain("INTERNAL_SERVER_ERROR").toBody(), 500);
  });

  app.notFound((c) => c.json(new ApiError("NOT_FOUND", `Cannot ${c.req.method} ${c.req.path}`).toBody(), 404));

  mountRoutes(app);
  return app;
}

export type App = ReturnType<typeof createApp>;
