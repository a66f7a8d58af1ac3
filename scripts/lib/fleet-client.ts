// A stand-in connector for the bench and the drills, which post synthetic events straight to ingest:
// it dials the worker's connector socket under an id, has the worker place the named instances on it
// (a connect each), answers every command "open", and remembers the epoch each command carried, so
// batches can be stamped and pass the ingest fence (docs/protocol.md#ingest-authority). 127.0.0.1 only.
import WebSocket from "ws";
import {
  commandFrameSchema,
  CONNECT_PATH,
  connectHeaders,
  deriveConnectorKey,
  FLEET_PATHS,
  PING,
  randomId,
  signAnswer,
  type CommandFrame,
} from "../../protocol/fleet.ts";
import { callApi, type ApiTarget } from "./api.ts";

export interface FleetClaim {
  /** Instance → the epoch the worker placed it at. */
  epochs: Map<string, number>;
  close(): void;
}

/** High, so the registry places every instance on this stand-in rather than on a real connector. */
const STAND_IN_CAPACITY = 100_000;

async function answer(ws: WebSocket, key: string, frame: CommandFrame, epochs: Map<string, number>): Promise<void> {
  if (frame.instance && frame.epoch > 0) epochs.set(frame.instance, frame.epoch);
  const body = frame.path === FLEET_PATHS.assignments
    ? JSON.stringify({ owned: [...epochs].map(([instance, epoch]) => ({ instance, epoch })) })
    : JSON.stringify({ instance: frame.instance, state: "open", statusReason: 200, me: null, qr: null, pairingCode: null });
  ws.send(JSON.stringify(await signAnswer(key, { id: frame.id, ts: Math.floor(Date.now() / 1000), status: 200, body })));
}

/** Dials as `connectorId`, then connects each instance through the API so that it is placed here. */
export async function claimInstances(baseUrl: string, api: ApiTarget, secret: string, connectorId: string, instances: string[]): Promise<FleetClaim> {
  const key = await deriveConnectorKey(secret, connectorId);
  const epochs = new Map<string, number>();
  const url = new URL(CONNECT_PATH, baseUrl);
  url.protocol = "ws:";
  const headers = await connectHeaders(key, connectorId, Date.now(), randomId(), "stand-in", STAND_IN_CAPACITY);
  const ws = new WebSocket(url.toString(), { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  ws.on("message", (data) => {
    const text = data.toString();
    if (!text.startsWith("{")) return; // the heartbeat's "pong"
    const parsed = commandFrameSchema.safeParse(JSON.parse(text));
    if (parsed.success) void answer(ws, key, parsed.data, epochs);
  });
  // Heartbeats keep the lease, as a real connector's do.
  const ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(PING), 5_000);
  ping.unref();
  for (const instance of instances) {
    const res = await callApi(api, "GET", `/instance/connect/${instance}`);
    if (res.status !== 200 || !epochs.has(instance)) throw new Error(`placing ${instance} on ${connectorId}: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
  }
  return {
    epochs,
    close: () => {
      clearInterval(ping);
      ws.close();
    },
  };
}
