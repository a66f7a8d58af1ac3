// Schemas of POST /message/sendText: Evolution v1 (`textMessage.text`, `options.quoted`) and v2
// (`text`, `quoted`) bodies, and the number → JID normalisation. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import { sendTextResponseSchema } from "../../protocol/commands.ts";

export const MAX_TEXT_LENGTH = 65_536;

/** Full JIDs accepted as they are: a user, a group, or a LID. */
const JID_PATTERN = /^(\d{5,20}(:\d{1,3})?@s\.whatsapp\.net|\d{5,20}(-\d{5,20})?@g\.us|\d{5,20}@lid)$/;
const PHONE_DECORATION = /[+\s\-()]/g;
const PHONE_DIGITS = /^\d{6,20}$/;

/** `+1 (555) 123-4567` → `15551234567@s.whatsapp.net`; a full JID is kept; anything else undefined. */
export function numberToJid(number: string): string | undefined {
  const trimmed = number.trim();
  if (trimmed.includes("@")) return JID_PATTERN.test(trimmed) ? trimmed : undefined;
  const digits = trimmed.replace(PHONE_DECORATION, "");
  return PHONE_DIGITS.test(digits) ? `${digits}@s.whatsapp.net` : undefined;
}

const textSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "required" : "must be a string") })
  .min(1, { error: "must not be empty" })
  .max(MAX_TEXT_LENGTH, { error: `must be at most ${MAX_TEXT_LENGTH} characters` });

const quotedSchema = z
  .object({ key: z.object({ id: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }) }).passthrough() })
  .passthrough()
  .openapi({ description: "The message to reply to; only `key.id` is used" });

export const sendTextBodySchema = z
  .object({
    number: z
      .string({ error: (issue) => (issue.input === undefined ? "required" : "must be a string") })
      .refine((value) => numberToJid(value) !== undefined, {
        error: "is not a phone number or JID (digits with country code, or a JID ending in @s.whatsapp.net, @g.us or @lid)",
      })
      .openapi({ example: "15551234567" }),
    text: textSchema.optional().openapi({ description: "The text (Evolution v2 form)" }),
    textMessage: z.object({ text: textSchema }, { error: "must be an object with a text" }).optional().openapi({ description: "Evolution v1 form: `{text}`" }),
    quoted: quotedSchema.optional(),
    options: z
      .object({ quoted: quotedSchema.optional() }, { error: "must be an object" })
      .passthrough()
      .optional()
      .openapi({ description: "Evolution v1 options; `quoted` is honoured, `delay`/`presence` are ignored" }),
  })
  .superRefine((body, ctx) => {
    if (body.text === undefined && body.textMessage === undefined) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "required (or textMessage.text)" });
    }
  })
  .openapi("SendText", { example: { number: "15551234567", text: "Hello from l2msg" } });

export type SendTextBody = z.infer<typeof sendTextBodySchema>;

export const sentMessageSchema = sendTextResponseSchema.openapi("SentMessage");

/** The connector's send-text request for a validated body. */
export function sendTextCommand(body: SendTextBody): { jid: string; text: string; quotedId?: string } {
  const jid = numberToJid(body.number) as string;
  const text = body.text ?? body.textMessage?.text ?? "";
  const quotedId = body.quoted?.key.id ?? body.options?.quoted?.key.id;
  return { jid, text, ...(quotedId ? { quotedId } : {}) };
}
