// Mounts every route module. Each module exports a `register*` function taking the app.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";

export function mountRoutes(_app: OpenAPIHono<AppBindings>): void {
  // Route modules register themselves here (instance, webhook, message, connector ingest, deliveries, docs).
}
