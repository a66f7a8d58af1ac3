// Groups: `groups.upsert`, `groups.update` (GroupMetadata arrays) and `group-participants.update`.
// Pure: no I/O, no clock.
import { WEBHOOK_EVENTS, type WebhookEventName } from "./names.ts";
import { compact, isRecord, nonEmpty, records, toInteger, type JsonRecord } from "./guards.ts";
import { mapEach, type Mapper } from "./emission.ts";
import { arrayEmission } from "./contacts-chats.ts";

const GROUP_TIMESTAMPS = ["creation", "subjectTime", "descTime"] as const;

/** GroupMetadata as Baileys gives it, with its timestamps as numbers of seconds. */
function groupItem(raw: JsonRecord): JsonRecord | undefined {
  if (!nonEmpty(raw.id)) return undefined;
  const item: JsonRecord = { ...raw };
  for (const field of GROUP_TIMESTAMPS) {
    const seconds = toInteger(raw[field]);
    if (seconds !== undefined) item[field] = seconds;
  }
  return item;
}

function groupsMapper(event: WebhookEventName): Mapper {
  return (raw) => arrayEmission(event, mapEach(records(raw.payload), groupItem));
}

export const mapGroupsUpsert = groupsMapper(WEBHOOK_EVENTS.GROUPS_UPSERT);
export const mapGroupsUpdate = groupsMapper(WEBHOOK_EVENTS.GROUPS_UPDATE);

/** v7 participants are objects `{id, phoneNumber?, lid?, admin}`; older ones plain JIDs. */
function participantJid(participant: unknown): string | undefined {
  if (!isRecord(participant)) return nonEmpty(participant);
  return nonEmpty(participant.id) ?? nonEmpty(participant.phoneNumber) ?? nonEmpty(participant.lid);
}

/**
 * `{id, participants: string[], action, author?, authorPn?, participantsData?}` —
 * `participantsData` keeps v7's participant objects (PN / LID / admin), as Evolution v2 does.
 */
export const mapGroupParticipantsUpdate: Mapper = (event) => {
  const payload = isRecord(event.payload) ? event.payload : {};
  const id = nonEmpty(payload.id);
  const action = nonEmpty(payload.action);
  const raw = Array.isArray(payload.participants) ? payload.participants : [];
  const participants = mapEach(raw, participantJid);
  if (!id || !action || participants.length === 0) return [];
  const objects = records(raw);
  const data = compact({
    id,
    participants,
    action,
    author: nonEmpty(payload.author),
    authorPn: nonEmpty(payload.authorPn),
    participantsData: objects.length > 0 ? objects : undefined,
  });
  return [{ event: WEBHOOK_EVENTS.GROUP_PARTICIPANTS_UPDATE, data }];
};
