// Which form field an API validation message belongs to: the console puts each message next to
// that field, so this mapping is what makes "the API's own messages next to the fields" work.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a browser module in plain JS (served as is), without type declarations.
import { fieldOfMessage } from "../../console/manager/api.js";

describe("fieldOfMessage", () => {
  it.each([
    ['Invalid "url" property: must be an absolute http(s) URL', "url"],
    ['Invalid "url" property: points at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow)', "url"],
    ['Invalid "events" property: unknown event "MESSAGE_RECEIVED"; valid events: APPLICATION_STARTUP', "events"],
    ['Invalid "events.0" property: each event must be a string', "events"],
    ['Invalid "headers.X-A" property: header values must be strings', "headers"],
    ['Invalid "webhook.headers" property: "host" is set by l2msg and cannot be overridden', "headers"],
    ['Invalid "enabled" property: must be true or false', "enabled"],
    ["Request body is larger than 1048576 bytes", undefined],
    ['The "shop" instance does not exist', undefined],
  ])("%s → %s", (message, field) => {
    expect(fieldOfMessage(message)).toBe(field);
  });
});
