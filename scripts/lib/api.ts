// The few management API calls the bench and drills need (docs/api.md), with the global `apikey`.
export interface ApiTarget {
  baseUrl: string;
  apiKey: string;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON (or the raw text); tests assert on it field by field. */
  json: any;
  headers: Headers;
}

/** One management API call with the target's `apikey`; the body is parsed as JSON when it is JSON. */
export async function callApi(target: ApiTarget, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const res = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { apikey: target.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Keep the text.
  }
  return { status: res.status, json, headers: res.headers };
}

function expectStatus(what: string, got: { status: number; json: unknown }, ...ok: number[]): unknown {
  if (!ok.includes(got.status)) throw new Error(`${what}: HTTP ${got.status} ${JSON.stringify(got.json).slice(0, 400)}`);
  return got.json;
}

export async function createInstance(target: ApiTarget, instanceName: string): Promise<void> {
  expectStatus("POST /instance/create", await callApi(target, "POST", "/instance/create", { instanceName }), 201);
}

export async function setWebhook(target: ApiTarget, instanceName: string, url: string, events: string[] = ["MESSAGES_UPSERT"]): Promise<void> {
  const body = { url, enabled: true, events, webhook_by_events: false, headers: {} };
  expectStatus("POST /webhook/set", await callApi(target, "POST", `/webhook/set/${instanceName}`, body), 200, 201);
}

/** An instance with a webhook on `url` subscribed to MESSAGES_UPSERT. */
export async function setUpInstance(target: ApiTarget, instanceName: string, url: string): Promise<void> {
  await createInstance(target, instanceName);
  await setWebhook(target, instanceName, url);
}


