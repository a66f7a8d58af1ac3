// The operator console in real Chromium against the whole local stack (fake WhatsApp, connector,
// worker, receivers), used the way a person does: by role and label, waiting on what the page
// shows. Screenshots of each screen go to .artifacts/console/ (git-ignored).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { FakePhone } from "../fake-wa/index.ts";
import { chromiumPath, descriptionOf, launchChromium, screenshot, see, watchPage, type PageWatch } from "./helpers/browser.ts";
import { eventually, startStack, type Stack } from "./helpers/stack.ts";
import { startSwitchableReceiver, type SwitchableReceiver } from "./helpers/switchable-receiver.ts";

const SHOP = "shop";
const SHOP_PN = "15553330000";
const CAROL = "15552223333";
// Looked up when the file loads: without a browser the file fails with instructions, and no test
// is reported as skipped.
const CHROMIUM = chromiumPath();
/** Pixels the page is wider than the viewport (> 0 means sideways scrolling). */
const SIDEWAYS_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth";

describe("e2e: operator console in Chromium", () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let phone: FakePhone;
  let failing: SwitchableReceiver;
  let shopToken = "";

  beforeAll(async () => {
    browser = await launchChromium(CHROMIUM);
    [stack, failing] = await Promise.all([startStack("e2e-console"), startSwitchableReceiver(404)]);
    phone = stack.wa.phone(SHOP_PN);
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    watch = await watchPage(page, stack.worker.baseUrl);
  }, 180_000);

  // What the page showed when a step failed: the first thing to look at in a CI log's artifacts.
  afterEach(async ({ task }) => {
    if (task.result?.state === "fail" && page) await screenshot(page, `failed-${task.name.replace(/\W+/g, "-").slice(0, 60)}`).catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await failing?.close();
    await stack?.stop();
  }, 60_000);

  const instanceCard = () => page.getByRole("article", { name: SHOP, exact: true });
  const nav = (name: string) => page.getByRole("navigation", { name: "Screens" }).getByRole("link", { name, exact: true });

  it("signs in with the global key, by keyboard, through the field labelled API key", async () => {
    await page.goto(`${stack.worker.baseUrl}/manager`);
    await screenshot(page, "01-sign-in");
    const key = page.getByLabel("API key");
    await key.waitFor();
    // The field has focus on load (browser-side code is passed as a string: no DOM types in this project).
    expect(await page.evaluate("document.activeElement.labels[0].textContent")).toBe("API key");
    await page.keyboard.type(stack.worker.api.apiKey);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Instances" }).waitFor();
    await see(page.locator(".who"), "Signed in with the global key");
    // The key lives in this tab's sessionStorage only: not in the URL, not in a cookie.
    expect(page.url()).not.toContain(stack.worker.api.apiKey);
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate("Object.values(sessionStorage)")).toContain(stack.worker.api.apiKey);
  });

  it("a wrong key is refused next to the field", async () => {
    const other = await browser.newPage();
    await other.goto(`${stack.worker.baseUrl}/manager`);
    await other.getByLabel("API key").fill("not-the-key");
    await other.getByRole("button", { name: "Sign in" }).click();
    await see(await descriptionOf(other, other.getByLabel("API key")), "This key was not accepted.");
    await other.close();
  });

  it("creates an instance, connects it, shows the QR, and turns open by itself once the phone scans", async () => {
    await page.getByLabel("Instance name").fill(SHOP);
    await page.getByRole("button", { name: "Create instance" }).click();
    const created = page.getByRole("status").filter({ hasText: /Its instance token \(shown once\): \S+/ });
    await created.waitFor();
    shopToken = /\(shown once\): (\S+)/.exec(await created.innerText())![1]!;
    await see(instanceCard(), "created");
    // The same name again: the API's 403 message lands next to the name field.
    await page.getByLabel("Instance name").fill(SHOP);
    await page.getByRole("button", { name: "Create instance" }).click();
    await see(await descriptionOf(page, page.getByLabel("Instance name")), `This name "${SHOP}" is already in use.`);

    await instanceCard().getByRole("button", { name: "Connect" }).click();
    const qr = page.getByRole("img", { name: `QR code to link ${SHOP}` });
    await qr.waitFor({ state: "visible", timeout: 30_000 });
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]{100,}/);
    await screenshot(page, "02-connect-qr");

    // The phone scans the code the connector currently shows (connect returns the live QR).
    const live = await stack.api("GET", `/instance/connect/${SHOP}`);
    expect(live.status).toBe(200);
    await phone.scanQr(live.json.code as string);
    await see(page.getByRole("status"), `State: open — ${SHOP} is connected`, 40_000);
    expect(await qr.isVisible()).toBe(false);
    await see(instanceCard().locator(".badge"), /^open$/, 20_000);
    await see(instanceCard(), `+${SHOP_PN}`);
    await screenshot(page, "03-instances-open");
  }, 90_000);

  it("shows the webhook API's validation message next to the URL field, then saves a good URL and sends a test event", async () => {
    await instanceCard().getByRole("link", { name: "Webhook", exact: true }).click();
    await page.getByRole("heading", { name: `Webhook of ${SHOP}` }).waitFor();
    const url = page.getByLabel("Webhook URL");
    await url.fill("not a url");
    await page.getByRole("button", { name: "Save webhook" }).click();
    await see(await descriptionOf(page, url), 'Invalid "url" property: must be an absolute http(s) URL');
    expect(await url.getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "04-webhook-error");

    await url.fill(stack.inbox.url);
    expect(await page.getByLabel("MESSAGES_UPSERT").isDisabled()).toBe(true); // "Every event" is on by default
    await page.getByRole("button", { name: "Save webhook" }).click();
    await see(page.getByRole("status"), "Saved.");
    expect(await (await descriptionOf(page, url)).innerText()).toBe("");
    // Stored as [] = every event, new ones included (find lists every name for it; the item keeps []).
    const stored = await stack.api("GET", `/webhooks/${SHOP}/default`);
    expect(stored.json).toMatchObject({ enabled: true, url: stack.inbox.url, events: [] });

    await page.getByRole("button", { name: "Reveal secret" }).click();
    await see(page.locator("output"), /^whsec_/);
    await page.getByRole("button", { name: "Send a test event" }).click();
    await see(page.getByRole("status"), /Test event queued as msg_/);
    await stack.inbox.waitFor((w) => w.body.instance === SHOP && w.body.event === "application.startup" && w.body.data.test === true, "test event");
    // Endpoint health: the test delivery counts as a success in the last hour once the consumer has
    // recorded it (just after the receiver got it), so refresh until the row says so.
    const lastHour = page.getByRole("row", { name: /Last hour/ });
    for (let tries = 0; ; tries++) {
      await page.getByRole("button", { name: "Refresh health" }).click();
      const recorded = await see(lastHour, "100 %", 1_000).then(() => true, () => false);
      if (recorded) break;
      if (tries === 15) throw new Error(`health never showed the test delivery: ${await lastHour.innerText()}`);
    }
    await screenshot(page, "05-webhook-saved");
  }, 60_000);

  it("an inbound message appears in Deliveries with its attempt", async () => {
    const { id } = await phone.sendText({ from: CAROL, text: "hello from Carol", pushName: "Carol" });
    await stack.inbox.waitFor((w) => w.body.instance === SHOP && w.body.event === "messages.upsert" && w.body.data.key?.id === id, "upsert");
    await nav("Deliveries").click();
    await page.getByRole("heading", { name: `Deliveries of ${SHOP}` }).waitFor();
    await page.getByLabel("Event", { exact: true }).selectOption("messages.upsert");
    await page.getByRole("button", { name: "Search" }).click();
    const row = page.getByRole("row").filter({ hasText: "messages.upsert" });
    await row.first().waitFor();
    await row.first().getByRole("button", { name: /^Details of messages.upsert/ }).click();
    const detail = page.getByRole("region", { name: /^Delivery msg_/ });
    await see(detail.locator(".badge"), "succeeded");
    await see(detail.getByRole("row"), /200/);
    await screenshot(page, "06-deliveries");
  }, 60_000);

  it("redelivers a failing receiver's delivery from the page, and it succeeds", async () => {
    await nav("Webhooks").click();
    const url = page.getByLabel("Webhook URL");
    await url.fill(failing.url);
    await page.getByRole("button", { name: "Save webhook" }).click();
    await see(page.getByRole("status"), "Saved.");

    await phone.sendText({ from: CAROL, text: "this one fails first" });
    const failed = await eventually(async () => {
      const res = await stack.api("GET", `/deliveries/${SHOP}?status=failed&event=messages.upsert`);
      return (res.json.deliveries as { id: string }[])[0];
    }, "a failed delivery", 20_000);
    expect(failing.requests.map((r) => r.status)).toContain(404);
    failing.status = 200;

    await nav("Deliveries").click();
    await page.getByLabel("Status", { exact: true }).selectOption("failed");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("button", { name: `Details of messages.upsert ${failed.id}` }).click();
    const detail = page.getByRole("region", { name: `Delivery ${failed.id}` });
    await see(detail.locator(".badge"), "failed");
    await see(detail.getByRole("row"), /404/);
    await screenshot(page, "07-delivery-failed");
    await detail.getByRole("button", { name: "Redeliver" }).click();
    await see(detail.locator(".badge"), "succeeded", 30_000);
    await see(detail.getByRole("row"), /thanks/);
    expect(failing.requests.filter((r) => r.webhookId === failed.id).map((r) => r.status)).toEqual([404, 200]);
    await screenshot(page, "08-delivery-redelivered");
  }, 90_000);

  it("redelivers all failed deliveries matching the filter", async () => {
    failing.status = 404;
    await phone.sendText({ from: CAROL, text: "fails again" });
    const failed = await eventually(async () => {
      // Other events (contacts, chats) failed at this receiver too: wait for this message's own delivery.
      const res = await stack.api("GET", `/deliveries/${SHOP}?status=failed&event=messages.upsert`);
      return (res.json.deliveries as { id: string }[])[0];
    }, "another failed delivery", 20_000);
    failing.status = 200;
    // The filter decides what is redelivered: failed messages.upsert only (other events failed too).
    await page.getByLabel("Event", { exact: true }).selectOption("messages.upsert");
    await page.getByRole("button", { name: "Redeliver all failed matching the filter" }).click();
    await see(page.getByRole("status"), "Redelivered 1 failed delivery.");
    await eventually(async () => (failing.requests.some((r) => r.webhookId === failed.id && r.status === 200) ? true : undefined), "the redelivery");
  }, 60_000);

  it("an instance token sees only its instance and cannot create", async () => {
    const other = await stack.api("POST", "/instance/create", { instanceName: "other" });
    expect(other.status).toBe(201);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").fill(shopToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await nav("Instances").click();
    await instanceCard().waitFor();
    await see(page.locator(".who"), "Signed in with the instance token");
    expect(await page.getByRole("article").count()).toBe(1);
    expect(await page.getByRole("article", { name: "other" }).count()).toBe(0);
    expect(await page.getByLabel("Instance name").count()).toBe(0);
    await screenshot(page, "09-instance-token");
  });

  it("fits a phone screen without sideways scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await instanceCard().waitFor();
    expect(await page.evaluate(SIDEWAYS_OVERFLOW)).toBeLessThanOrEqual(0);
    await screenshot(page, "10-phone-instances");
    await nav("Deliveries").click();
    await see(page.getByRole("status"), /deliver(y|ies) shown/);
    expect(await page.evaluate(SIDEWAYS_OVERFLOW)).toBeLessThanOrEqual(0);
    await screenshot(page, "11-phone-deliveries");
  });

  it("logs an instance out and deletes another from the page, with the global key", async () => {
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").fill(stack.worker.api.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await nav("Instances").click();
    await instanceCard().getByRole("button", { name: "Log out" }).click();
    await see(instanceCard().getByRole("status"), `${SHOP} logged out.`);
    await see(instanceCard().locator(".badge"), /^close$/, 20_000);

    const other = page.getByRole("article", { name: "other", exact: true });
    await other.getByRole("button", { name: "Delete" }).click();
    await see(other, "Delete other and its webhook and delivery log?");
    await other.getByRole("button", { name: "Delete for good" }).click();
    await other.waitFor({ state: "detached" });
    await see(page.getByRole("status"), "other deleted.");
    expect((await stack.api("GET", "/instance/fetchInstances?instanceName=other")).status).toBe(404);
  }, 60_000);

  it("made no request outside the worker and threw no page error", () => {
    expect(watch.external).toEqual([]);
    expect(watch.errors).toEqual([]);
  });
});
