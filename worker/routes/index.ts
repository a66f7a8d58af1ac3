// Mounts every route module. Each module exports a `register*` function taking the app.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { registerInstanceRoutes } from "./instance.ts";
import { registerWebhookRoutes } from "./webhook.ts";
import { registerDocs } from "./docs.ts";
import { registerLifecycleRoutes } from "./lifecycle.ts";
import { registerMessageRoutes } from "./message.ts";
import { registerIngestRoutes } from "./ingest.ts";
import { registerDeliveryRoutes } from "./deliveries.ts";
import { registerWebhookSecretRoutes } from "./webhook-secret.ts";
import { registerStatusRoutes } from "./status.ts";

export function mountRoutes(app: OpenAPIHono<AppBindings>): void {
  // Route modules register themselves here (instance, webhook, message, connector ingest, deliveries, status, docs).
  registerInstanceRoutes(app);
  registerWebhookRoutes(app);
  registerLifecycleRoutes(app);
  registerMessageRoutes(app);
  registerIngestRoutes(app);
  registerDeliveryRoutes(app);
  registerWebhookSecretRoutes(app);
  registerStatusRoutes(app);
  registerDocs(app);
}
