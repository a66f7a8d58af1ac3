// One error type for the whole worker and the Evolution error body it renders to (SPEC §2).
// Routes throw ApiError; app.onError is the only place that turns errors into responses.

export const REASON_PHRASES = {
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
} as const;

export type ErrorStatus = keyof typeof REASON_PHRASES;

export interface EvolutionErrorBody {
  status: number;
  error: string;
  response: { message: string | string[] };
}

export class ApiError extends Error {
  constructor(
    public readonly status: ErrorStatus,
    public readonly messages: string | string[],
  ) {
    super(Array.isArray(messages) ? messages.join("; ") : messages);
  }

  toBody(): EvolutionErrorBody {
    return { status: this.status, error: REASON_PHRASES[this.status], response: { message: this.messages } };
  }
}

export const unauthorized = () => new ApiError(401, "Unauthorized");
export const instanceNotFound = (name: string) => new ApiError(404, [`The "${name}" instance does not exist`]);
export const badRequest = (messages: string | string[]) => new ApiError(400, messages);
