// Shared zod building blocks for the management API: field schemas with the messages users
// see, the Evolution error body schema, and the validation hook that turns zod issues into a
// 400 naming each field. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import { INSTANCE_NAME_CHARACTERS, INSTANCE_NAME_MAX_LENGTH, instanceNameProblem } from "../../protocol/instance.ts";
import { badRequest } from "../errors.ts";

/** Name of the OpenAPI security scheme for the `apikey` header. */
export const API_KEY_SCHEME = "apikey";
export const apiKeySecurity = [{ [API_KEY_SCHEME]: [] }];

const requiredOr = (reason: string) => (issue: { input?: unknown }) => (issue.input === undefined ? "required" : reason);

export const booleanField = () => z.boolean({ error: requiredOr("must be true or false") });

export const instanceNameSchema = z
  .string({ error: requiredOr("must be a string") })
  .superRefine((name, ctx) => {
    const problem = instanceNameProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({
    example: "sales",
    description: "1-64 characters of A-Za-z0-9._-",
    minLength: 1,
    maxLength: INSTANCE_NAME_MAX_LENGTH,
    pattern: `^[${INSTANCE_NAME_CHARACTERS}]*$`,
  });

/** `{instance}` path parameter. Not validated beyond being a string: unknown names are a 404 after auth. */
export const instanceParamsSchema = z.object({
  instance: z.string().openapi({ param: { name: "instance", in: "path" }, example: "sales" }),
});

export function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** A webhook target: absolute http(s) URL. The SSRF check (needs config) runs in the route. */
export const webhookUrlSchema = z
  .string({ error: requiredOr("must be a string") })
  .trim()
  .max(2048, { error: "must be at most 2048 characters" })
  .refine(isAbsoluteHttpUrl, { error: "must be an absolute http(s) URL" })
  .openapi({ example: "https://example.com/whatsapp/webhook", format: "uri" });

export const errorBodySchema = z
  .object({
    status: z.number().int(),
    error: z.string(),
    response: z.object({ message: z.union([z.string(), z.array(z.string())]) }),
  })
  .openapi("ErrorBody", { example: { status: 401, error: "Unauthorized", response: { message: "Unauthorized" } } });

const ERROR_DESCRIPTIONS = {
  400: "Invalid input; `response.message` names each field and why",
  401: "Missing or wrong `apikey`",
  403: "Forbidden (e.g. the name is already in use)",
  404: "The instance does not exist (reported only after authentication passed)",
  413: "Request body larger than 1 MiB",
  415: "Body is not application/json",
} as const;

type DocumentedError = keyof typeof ERROR_DESCRIPTIONS;

/** OpenAPI `responses` entries for the given error statuses, all with the Evolution error body. */
/** An OpenAPI JSON response entry for `createRoute`. */
export const json = <T>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

export function errorResponses<S extends DocumentedError>(...statuses: S[]) {
  const out = {} as Record<S, { description: string; content: { "application/json": { schema: typeof errorBodySchema } } }>;
  for (const status of statuses) {
    out[status] = { description: ERROR_DESCRIPTIONS[status], content: { "application/json": { schema: errorBodySchema } } };
  }
  return out;
}

type Issue = z.core.$ZodIssue;

/** Picks, for a failed union, the branch the caller meant: `pick` gets the branch errors. */
export type UnionBranchPicker = (branches: Issue[][], input: unknown) => Issue[] | undefined;

function flattenIssues(issues: Issue[], input: unknown, pick?: UnionBranchPicker): Issue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "invalid_union" || !issue.errors.length) return [issue];
    const branch = pick?.(issue.errors, input) ?? issue.errors[0] ?? [];
    return flattenIssues(
      branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as Issue),
      input,
      pick,
    );
  });
}

/** `Invalid "webhook.url" property: must be an absolute http(s) URL`, one line per issue. */
export function formatIssues(issues: Issue[], input?: unknown, pick?: UnionBranchPicker): string[] {
  const lines = flattenIssues(issues, input, pick).map((issue) => {
    if (!issue.path.length) return `Invalid request body: ${issue.code === "invalid_type" ? "must be a JSON object" : issue.message}`;
    return `Invalid "${issue.path.map(String).join(".")}" property: ${issue.message}`;
  });
  return [...new Set(lines)];
}

/** Route hook for app.openapi: a failed validation becomes a 400 Evolution body. */
export function validationHook(pick?: UnionBranchPicker) {
  return function throwOnInvalid(result: { success: true } | { success: false; error: z.ZodError }): undefined {
    if (result.success) return undefined;
    // zod-validator passes the raw input as `data` on failure too; the union picker needs it.
    const input = (result as { data?: unknown }).data;
    throw badRequest(formatIssues(result.error.issues, input, pick));
  };
}
