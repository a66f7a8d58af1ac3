// `POST /connector/v1/events` (docs/protocol.md#ingest-endpoint): the connector's signed event batches. Thin: size cap →
// HMAC check on the raw body with that connector's key → JSON + envelope validation → the ownership fence →
// ingestEnvelope (store, enqueue); instances that opened get their settings pushed after the answer.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppBindings } from "../app-types.ts";
import { ingestEnvelope } from "../delivery/ingest.ts";
import { openedInstances, syncOpenedInstances } from "../lifecycle/connector-settings.ts";
import { ApiError, badRequest, unauthorized } from "../errors.ts";
import { log } from "../log.ts";
import { INGEST_PATH, MAX_BATCH_BYTES, ingestEnvelopeSchema, ingestResponseSchema } from "../../protocol/envelope.ts";
import { ingestRejection, ingestRejectionSchema } from "../../protocol/ingest-errors.ts";
import { CONNECTOR_SIGNATURE_HEADER, CONNECTOR_TIMESTAMP_HEADER, verifyConnectorRequest } from "../../protocol/signing.ts";
import { CONNECTOR_ID_PATTERN, deriveConnectorKey, FLEET_HEADERS } from "../../protocol/fleet.ts";
import { fenceEnvelope } from "../fleet/ingest-fence.ts";
import { errorBodySchema } from "../schemas/common.ts";

const tooLarge = () => new ApiError("PAYLOAD_TOO_LARGE", `Request body is larger than ${MAX_BATCH_BYTES} bytes`);

/** The raw body, refusing (413) anything over `max` bytes without buffering more than that. */
async function readRawBody(request: Request, max: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(value);
  }
  const decoder = new TextDecoder();
  return parts.map((p) => decoder.decode(p, { stream: true })).join("") + decoder.decode();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("Invalid request body: not valid JSON");
  }
}

/** A 400 whose lines name each problem (`events.3.id: …`) and whose `rejected` lists the bad events. */
function parseEnvelope(raw: unknown) {
  const parsed = ingestEnvelopeSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { response, rejected } = ingestRejection(parsed.error.issues);
  throw new ApiError("BAD_REQUEST", response.message, { rejected });
}

/**
 * Runs `work` after the answer (the connector must not wait for the commands this work sends it);
 * without an execution context (app.request in tests) it is awaited instead.
 */
async function afterAnswer(c: Context<AppBindings>, work: Promise<void>): Promise<void> {
  let ctx: Context<AppBindings>["executionCtx"] | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  if (ctx) ctx.waitUntil(work);
  else await work;
}

const jsonError = (description: string) => ({ description, content: { "application/json": { schema: errorBodySchema } } });

export function registerIngestRoutes(app: OpenAPIHono<AppBindings>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: INGEST_PATH,
    tags: ["Connector"],
    summary: "Signed event batch from a connector (x-l2msg-connector, x-l2msg-timestamp, x-l2msg-signature with that connector's key)",
    request: { body: { required: true, content: { "application/json": { schema: ingestEnvelopeSchema } } } },
    responses: {
      200: { description: "Stored (or already seen) events", content: { "application/json": { schema: ingestResponseSchema } } },
      400: {
        description: "Malformed envelope, or events for instances this connector does not hold at their current epoch; each message names the path (events.3.id: …) and `rejected` the bad events",
        content: { "application/json": { schema: ingestRejectionSchema } },
      },
      401: jsonError("Missing, stale (> 300 s) or wrong signature, or an envelope `connector` other than the signer"),
      413: jsonError("Body larger than 5 MiB"),
    },
  });

  app.post(INGEST_PATH, async (c) => {
    const now = Date.now();
    const body = await readRawBody(c.req.raw, MAX_BATCH_BYTES);
    const config = c.var.config;
    // Each connector signs with its own key, so one connector's key cannot speak for another's instances.
    const connectorId = c.req.header(FLEET_HEADERS.connector) ?? "";
    const check = CONNECTOR_ID_PATTERN.test(connectorId)
      ? await verifyConnectorRequest(
        await deriveConnectorKey(config.connectorSecret, connectorId), c.req.header(CONNECTOR_TIMESTAMP_HEADER), c.req.header(CONNECTOR_SIGNATURE_HEADER), body, now,
      )
      : ({ ok: false, reason: "missing" } as const);
    if (!check.ok) {
      log.warn("ingest_unauthorized", { reason: check.reason, connector: connectorId.slice(0, 64) });
      throw unauthorized();
    }
    const envelope = parseEnvelope(parseJson(body));
    if (envelope.connector !== connectorId) {
      log.warn("ingest_unauthorized", { reason: "connector_mismatch", connector: connectorId });
      throw unauthorized();
    }
    await fenceEnvelope(c.env, envelope);
    const result = await ingestEnvelope(c.env, config, envelope, now);
    const opened = openedInstances(envelope);
    if (opened.length) await afterAnswer(c, syncOpenedInstances({ config, env: c.env }, c.env.DB, opened));
    return c.json(result, 200);
  });
}
