// Mounts every route module. Each module exports a `register*` function taking the app.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types.ts";
import { registerInstanceRoutes } from "./instance.ts";
import { registerWebhookRoutes } from "./webhook.ts";
import { registerWebhooksRoutes } from "./webhooks.ts";
import { registerWebhookStatsRoutes } from "./webhook-stats.ts";
import { registerDocs } from "./docs.ts";
import { registerLifecycleRoutes } from "./lifecycle.ts";
import { registerMessageRoutes } from "./message.ts";
import { registerIngestRoutes } from "./ingest.ts";
import { registerDeliveryRoutes } from "./deliveries.ts";
import { registerWebhookSecretRoutes } from "./webhook-secret.ts";
import { registerSettingsRoutes } from "./settings.ts";
import { registerWebhookTestRoutes } from "./webhook-test.ts";
import { registerRootRoute } from "./root.ts";
import { registerEventRoutes } from "./events.ts";
import { registerTraceRoutes } from "./trace.ts";
import { registerBulkDeliveryRoutes } from "./deliveries-bulk.ts";
import { registerStatusRoutes } from "./status.ts";
import { registerFleetRoutes } from "./fleet.ts";
import { registerCredentialsRoutes } from "./credentials.ts";

export function mountRoutes(app: OpenAPIHono<AppBindings>): void {
  // Route modules register themselves here (instance, webhook, message, connector ingest, deliveries, status, docs).
  registerRootRoute(app);
  registerInstanceRoutes(app);
  registerWebhookRoutes(app);
  registerWebhooksRoutes(app);
  registerWebhookStatsRoutes(app);
  registerLifecycleRoutes(app);
  registerMessageRoutes(app);
  registerIngestRoutes(app);
  registerBulkDeliveryRoutes(app);
  registerDeliveryRoutes(app);
  registerEventRoutes(app);
  registerTraceRoutes(app);
  registerWebhookSecretRoutes(app);
  registerSettingsRoutes(app);
  registerWebhookTestRoutes(app);
  registerStatusRoutes(app);
  registerFleetRoutes(app);
  registerCredentialsRoutes(app);
  registerDocs(app);
}
