// The console's event lists (checkboxes, the Deliveries filter) must be the API's catalogue: a
// new event in worker/events/names.ts that the console lacks would be impossible to subscribe to.
import { describe, expect, it } from "vitest";
import { INSTANCE_SUBSCRIPTION_NAMES, WEBHOOK_EVENTS as API_EVENTS } from "../../worker/events/names.ts";
// @ts-expect-error: a browser module in plain JS (served as is), without type declarations.
import { SUBSCRIPTION_NAMES, WEBHOOK_EVENTS as CONSOLE_EVENTS } from "../../console/manager/events.js";

describe("console event catalogue", () => {
  it("lists exactly the API's event values, and the names an instance webhook may subscribe to, in the same order", () => {
    expect(CONSOLE_EVENTS).toEqual(API_EVENTS);
    expect(SUBSCRIPTION_NAMES).toEqual(INSTANCE_SUBSCRIPTION_NAMES);
  });
});
