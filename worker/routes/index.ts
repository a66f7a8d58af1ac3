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
import { registerFleetRoutes } from "./fleet.ts";
import { registerCredentialsRoutes } from "./credentials.ts";

export function mountRoutes(app: OpenAPIHono<AppBindings>): void {
  // Route modules register themselves here (instance, webhook, message, connector ingest, deliveries, docs).
  registerInstanceRoutes(app);
  registerWebhookRoutes(app);
  registerLifecycleRoutes(app);
  registerMessageRoutes(app);
  registerIngestRoutes(app);
  registerDeliveryRoutes(app);
  registerWebhookSecretRoutes(app);
  registerFleetRoutes(app);
  registerCredentialsRoutes(app);
  registerDocs(app);
}
