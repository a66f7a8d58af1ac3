// One error type for the whole worker: a closed set of error codes, each mapped to its HTTP
// status in one table, rendered as Evolution's error body (docs/api.md#errors). Routes and
// services throw ApiError; app.onError is the only place that turns errors into responses.

/** Every error the API can answer with, and its status. Add a code here, never a bare status. */
export const ERROR_CODE_STATUS = {
  BAD_REQUEST: 400,
  INSTANCE_NOT_CONNECTED: 400,
  UNAUTHORIZED: 401,
  NAME_IN_USE: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_SERVER_ERROR: 500,
  MISCONFIGURED: 500,
  CONNECTOR_BAD_ANSWER: 502,
  CONNECTOR_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODE_STATUS;
export type ErrorStatus = (typeof ERROR_CODE_STATUS)[ErrorCode];

/** The `error` field of the body: the status's reason phrase, as Evolution (NestJS) sends it. */
const REASON_PHRASES: Record<ErrorStatus, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function codeToStatus(code: ErrorCode): ErrorStatus {
  return ERROR_CODE_STATUS[code];
}

/** The generic code for a status thrown by hono itself (an HTTPException), if we answer with it. */
export function codeForStatus(status: number): ErrorCode | undefined {
  const generic: Partial<Record<number, ErrorCode>> = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 500: "INTERNAL_SERVER_ERROR", 504: "GATEWAY_TIMEOUT",
  };
  return generic[status];
}

export interface EvolutionErrorBody {
  status: number;
  error: string;
  response: { message: string | string[] };
}

export class ApiError extends Error {
  readonly status: ErrorStatus;

  constructor(
    public readonly code: ErrorCode,
    public readonly messages: string | string[],
    /** Fields added beside Evolution's three (the ingest 400's `rejected`); none on the public API. */
    private readonly extra: Record<string, unknown> = {},
  ) {
    super(Array.isArray(messages) ? messages.join("; ") : messages);
    this.status = codeToStatus(code);
  }

  toBody(): EvolutionErrorBody {
    return { status: this.status, error: REASON_PHRASES[this.status], response: { message: this.messages }, ...this.extra };
  }

  /** An error of `code` whose message is just its reason phrase ("Unauthorized"). */
  static plain(code: ErrorCode): ApiError {
    return new ApiError(code, REASON_PHRASES[codeToStatus(code)]);
  }
}

export const unauthorized = () => ApiError.plain("UNAUTHORIZED");
export const instanceNotFound = (name: string) => new ApiError("NOT_FOUND", [`The "${name}" instance does not exist`]);
export const badRequest = (messages: string | string[]) => new ApiError("BAD_REQUEST", messages);
/** Evolution's answer when an action needs a connected instance. */
export const notConnected = (name: string) => new ApiError("INSTANCE_NOT_CONNECTED", [`The "${name}" instance is not connected`]);
