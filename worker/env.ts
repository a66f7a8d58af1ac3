// Worker bindings and configuration. Raw vars are parsed here once (zod) into `Config`;
// nothing else in the worker reads raw vars.
import { z } from "zod";
import { SUBSCRIPTION_NAMES, type SubscriptionName } from "./events/names.ts";
import { CONNECTOR_SECRET_MIN_LENGTH } from "../protocol/instance.ts";

export interface Env {
  DB: D1Database;
  DELIVERY_QUEUE: Queue<DeliveryJob>;
  /** The fleet registry (worker/fleet/registry.ts): one object that owns instance ownership. */
  FLEET: DurableObjectNamespace;
  /** One hub per connector (worker/fleet/hub.ts), holding its WebSocket. */
  CONNECTOR_HUB: DurableObjectNamespace;
  /** Optional: lets tests and the local stack swap the outbound fetch (never set in production). */
  [key: string]: unknown;
}

/**
 * A queue message carries delivery ids only, up to IDS_PER_MESSAGE (delivery/enqueue.ts) of them
 * (queue messages are limited to 128 KB). The consumer also accepts the older `{ deliveryId }`
 * shape (`idsOfJob`) for messages still in flight during a deploy.
 */
export interface DeliveryJob {
  deliveryIds: string[];
}

const bool = (fallback: boolean) =>
  z
    .union([z.boolean(), z.string()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      if (typeof v === "boolean") return v;
      const lower = v.trim().toLowerCase();
      if (lower === "true" || lower === "1") return true;
      if (lower === "false" || lower === "0") return false;
      ctx.addIssue({ code: "custom", message: `expected "true" or "false", got "${v}"` });
      return z.NEVER;
    });

/** A numeric var given as a string; `integer` also refuses fractions. */
const numeric = (fallback: number, min: number, max: number, integer: boolean) =>
  z
    .union([z.number(), z.string()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      const n = typeof v === "number" ? v : Number(v.trim());
      const valid = integer ? Number.isInteger(n) : Number.isFinite(n);
      if (!valid || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `expected ${integer ? "an integer" : "a number"} from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });
const int = (fallback: number, min: number, max: number) => numeric(fallback, min, max, true);
const num = (fallback: number, min: number, max: number) => numeric(fallback, min, max, false);

const optionalUrl = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v || !v.trim()) return undefined;
    try {
      const url = new URL(v.trim());
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
      return url.toString();
    } catch {
      ctx.addIssue({ code: "custom", message: `expected an absolute http(s) URL, got "${v}"` });
      return z.NEVER;
    }
  });

const statusList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const text = v === undefined || v.trim() === "" ? "400,401,403,404,422" : v;
    const codes = text.split(",").map((s) => Number(s.trim()));
    if (codes.some((c) => !Number.isInteger(c) || c < 100 || c > 599)) {
      ctx.addIssue({ code: "custom", message: `expected comma-separated HTTP status codes, got "${v}"` });
      return z.NEVER;
    }
    return codes;
  });

const varsSchema = z.object({
  AUTHENTICATION_API_KEY: z.string({ error: "is required (set it in .dev.vars or with wrangler secret put)" }).min(8, { error: "must be at least 8 characters" }),
  CONNECTOR_SECRET: z.string({ error: "is required (set it in .dev.vars or with wrangler secret put)" }).min(CONNECTOR_SECRET_MIN_LENGTH, { error: `must be at least ${CONNECTOR_SECRET_MIN_LENGTH} characters` }),
  SERVER_URL: z.string().optional().transform((v) => (v && v.trim() ? v.trim().replace(/\/+$/, "") : "http://localhost:8787")),
  AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES: bool(false),
  CONNECTOR_COMMAND_TIMEOUT_MS: int(15_000, 100, 120_000),
  WEBHOOK_GLOBAL_URL: optionalUrl,
  WEBHOOK_GLOBAL_ENABLED: bool(false),
  WEBHOOK_GLOBAL_WEBHOOK_BY_EVENTS: bool(false),
  WEBHOOK_GLOBAL_SECRET: z.string().optional().transform((v) => (v && v.trim() ? v.trim() : undefined)),
  WEBHOOK_REQUEST_TIMEOUT_MS: int(10_000, 100, 120_000),
  WEBHOOK_RETRY_MAX_ATTEMPTS: int(40, 1, 1000),
  WEBHOOK_RETRY_INITIAL_DELAY_SECONDS: int(5, 0, 86_400),
  WEBHOOK_RETRY_USE_EXPONENTIAL_BACKOFF: bool(true),
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: int(3_600, 1, 86_400),
  WEBHOOK_RETRY_JITTER_FACTOR: num(0.2, 0, 1),
  WEBHOOK_RETRY_NON_RETRYABLE_STATUS_CODES: statusList,
  WEBHOOK_ALLOW_PRIVATE_URLS: bool(false),
  /** How many deliveries one queue invocation sends at once: Workers allow 6 simultaneous open connections. */
  WEBHOOK_MAX_CONCURRENCY: int(6, 1, 6),
  /** How far past due (and unleased) a pending delivery must be before the cron sweep re-enqueues it. */
  WEBHOOK_SWEEP_GRACE_SECONDS: int(120, 1, 86_400),
  /** Hours of failed deliveries without a single success before a webhook is disabled; 0 = never (docs/delivery.md#auto-disable). */
  WEBHOOK_DISABLE_AFTER_HOURS: num(120, 0, 8_760),
  /** Housekeeping keeps the database under this size (D1 caps a database at 10 GB): docs/delivery.md#retention. */
  STORAGE_BUDGET_MB: int(4_096, 1, 10_240),
  /** Nothing delivered or failed is kept longer than this. */
  RETENTION_MAX_DAYS: int(7, 1, 3_650),
});

export interface GlobalWebhookConfig {
  enabled: boolean;
  url: string | undefined;
  byEvents: boolean;
  secret: string | undefined;
  events: Set<SubscriptionName>;
}

export interface RetryConfig {
  maxAttempts: number;
  initialDelaySeconds: number;
  useExponentialBackoff: boolean;
  maxDelaySeconds: number;
  jitterFactor: number;
  nonRetryableStatusCodes: number[];
}

export interface Config {
  apiKey: string;
  connectorSecret: string;
  connectorCommandTimeoutMs: number;
  serverUrl: string;
  exposeInFetchInstances: boolean;
  globalWebhook: GlobalWebhookConfig;
  requestTimeoutMs: number;
  retry: RetryConfig;
  allowPrivateUrls: boolean;
  maxConcurrency: number;
  sweepGraceSeconds: number;
  /** 0 = never disable automatically. */
  disableAfterHours: number;
  storageBudgetBytes: number;
  retentionMaxMs: number;
}

export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid worker configuration: ${issues.join("; ")}`);
  }
}

const cache = new WeakMap<object, Config>();

/** Parses the raw vars once per env object; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, unknown>): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = varsSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`));
  }
  const v = parsed.data;
  const eventIssues: string[] = [];
  const events = new Set<SubscriptionName>();
  for (const name of SUBSCRIPTION_NAMES) {
    const raw = env[`WEBHOOK_EVENTS_${name}`];
    const flag = bool(false).safeParse(raw);
    if (!flag.success) eventIssues.push(`WEBHOOK_EVENTS_${name} expected "true" or "false"`);
    else if (flag.data) events.add(name);
  }
  if (eventIssues.length) throw new ConfigError(eventIssues);
  const config: Config = {
    apiKey: v.AUTHENTICATION_API_KEY,
    connectorSecret: v.CONNECTOR_SECRET,
    connectorCommandTimeoutMs: v.CONNECTOR_COMMAND_TIMEOUT_MS,
    serverUrl: v.SERVER_URL,
    exposeInFetchInstances: v.AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES,
    globalWebhook: {
      enabled: v.WEBHOOK_GLOBAL_ENABLED && v.WEBHOOK_GLOBAL_URL !== undefined,
      url: v.WEBHOOK_GLOBAL_URL,
      byEvents: v.WEBHOOK_GLOBAL_WEBHOOK_BY_EVENTS,
      secret: v.WEBHOOK_GLOBAL_SECRET,
      events,
    },
    requestTimeoutMs: v.WEBHOOK_REQUEST_TIMEOUT_MS,
    retry: {
      maxAttempts: v.WEBHOOK_RETRY_MAX_ATTEMPTS,
      initialDelaySeconds: v.WEBHOOK_RETRY_INITIAL_DELAY_SECONDS,
      useExponentialBackoff: v.WEBHOOK_RETRY_USE_EXPONENTIAL_BACKOFF,
      maxDelaySeconds: v.WEBHOOK_RETRY_MAX_DELAY_SECONDS,
      jitterFactor: v.WEBHOOK_RETRY_JITTER_FACTOR,
      nonRetryableStatusCodes: v.WEBHOOK_RETRY_NON_RETRYABLE_STATUS_CODES,
    },
    allowPrivateUrls: v.WEBHOOK_ALLOW_PRIVATE_URLS,
    maxConcurrency: v.WEBHOOK_MAX_CONCURRENCY,
    sweepGraceSeconds: v.WEBHOOK_SWEEP_GRACE_SECONDS,
    disableAfterHours: v.WEBHOOK_DISABLE_AFTER_HOURS,
    storageBudgetBytes: v.STORAGE_BUDGET_MB * 1024 * 1024,
    retentionMaxMs: v.RETENTION_MAX_DAYS * 86_400_000,
  };
  cache.set(env, config);
  return config;
}
