// Types shared by the pure mapping (worker/events) and the delivery pipeline (worker/delivery).
import type { ConnectionState } from "../../protocol/instance.ts";
import type { WebhookEventName } from "./names.ts";

/** What an instance's connection looks like after an event, when the event says so. */
export interface InstanceStatePatch {
  status?: ConnectionState;
  statusReason?: number | null;
  ownerJid?: string | null;
  profileName?: string | null;
  profilePictureUrl?: string | null;
}

/** One webhook event produced from a raw connector event (or by the worker itself). */
export interface MappedEvent {
  event: WebhookEventName;
  /** Evolution v1-shaped `data`. May contain `message.base64`; routing strips it for webhooks without webhook_base64. */
  data: unknown;
  /** True UTC ISO-8601 of when the event happened. */
  dateTime: string;
  /** The connected account's JID without device suffix, when known. */
  sender?: string;
}

export interface MappingContext {
  /** Instance name (`owner` in Evolution's data). */
  instanceName: string;
}
