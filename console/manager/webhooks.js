// Webhook screen: the instance webhook with every field (URL, enabled, events, by-events, base64,
// headers), saved through /webhook/set with the API's validation messages shown next to the field
// they name; the signing secret (reveal, rotate) and a test event.
import { api, ApiError, enc, fieldOfMessage } from "./api.js";
import { busy, checkbox, field, h, statusLine, uid } from "./dom.js";
import { SUBSCRIPTION_NAMES } from "./events.js";
import { headersEditor } from "./headers-editor.js";
import { healthPanel } from "./health.js";
import { instancePicker, screenTitle } from "./picker.js";

export function renderWebhooks(root, ctx, wanted) {
  const title = screenTitle("Webhook");
  const status = statusLine();
  root.append(title, status.el);
  void (async () => {
    try {
      const picker = await instancePicker(ctx, wanted, "webhooks");
      if (!picker.current) return status.set("No instance to configure yet.");
      title.textContent = `Webhook of ${picker.current}`;
      const config = await loadDefaultWebhook(picker.current);
      root.append(picker.wrapper, webhookForm(picker.current, config), secretPanel(picker.current), healthPanel(picker.current));
    } catch (error) {
      status.set(error.message, "error");
    }
  })();
}

/**
 * The webhook /webhook/set manages. Read as the `default` webhook item because find lists every
 * name for "every event", while the item keeps `[]` (events added later included), which is what
 * the "Every event" box means; find's empty config stands in before any webhook was set.
 */
async function loadDefaultWebhook(name) {
  try {
    return await api("GET", `/webhooks/${enc(name)}/default`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return api("GET", `/webhook/find/${enc(name)}`);
    throw error;
  }
}

function webhookForm(name, config) {
  const url = field("Webhook URL", { type: "url", inputmode: "url", autocomplete: "off", spellcheck: "false", value: config.url, placeholder: "https://example.com/whatsapp" });
  const enabled = checkbox("Enabled", config.url === "" ? true : config.enabled);
  const byEvents = checkbox("By events: append the event path to the URL (…/messages-upsert)", config.webhook_by_events);
  const base64 = checkbox("Base64: include media bytes in message events", config.webhook_base64);
  const everyEvent = checkbox("Every event (including events added in later versions)", config.events.length === 0);
  const eventBoxes = SUBSCRIPTION_NAMES.map((event) => ({ event, box: checkbox(event, config.events.includes(event), { value: event }) }));
  const eventsErrorId = uid("events-error");
  const eventsError = h("p", { id: eventsErrorId, class: "field-error" });
  const eventList = h("div", { class: "event-grid" }, eventBoxes.map((e) => e.box.wrapper));
  const syncEvents = () => {
    for (const { box } of eventBoxes) box.control.disabled = everyEvent.control.checked;
  };
  everyEvent.control.addEventListener("change", syncEvents);
  syncEvents();
  const events = h("fieldset", { "aria-describedby": eventsErrorId }, h("legend", {}, "Events"), everyEvent.wrapper, eventList, eventsError);
  const headers = headersEditor(config.headers);
  const enabledError = h("p", { class: "field-error" });
  const status = statusLine();
  const save = h("button", { type: "submit" }, "Save webhook");
  const form = h("form", { class: "card", novalidate: true, "aria-label": `Webhook settings of ${name}` },
    url.wrapper, enabled.wrapper, enabledError, byEvents.wrapper, base64.wrapper, events, headers.el, save, status.el);

  // Where each field's messages go; anything not about one field goes to the form's status line.
  const errorSlots = { url: url.error, enabled: enabledError, events: eventsError, headers: headers.error, webhook_by_events: enabledError, webhook_base64: enabledError };
  const clearErrors = () => {
    for (const slot of Object.values(errorSlots)) slot.textContent = "";
    url.control.removeAttribute("aria-invalid");
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors();
    const body = {
      enabled: enabled.control.checked,
      url: url.control.value.trim(),
      webhook_by_events: byEvents.control.checked,
      webhook_base64: base64.control.checked,
      events: everyEvent.control.checked ? [] : eventBoxes.filter((e) => e.box.control.checked).map((e) => e.event),
      headers: headers.value(),
    };
    void busy(save, async () => {
      status.set("Saving…");
      try {
        await api("POST", `/webhook/set/${enc(name)}`, body);
        status.set("Saved.", "ok");
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 400) return status.set(error.message, "error");
        const general = [];
        for (const message of error.messages) {
          const slot = errorSlots[fieldOfMessage(message)];
          if (slot) slot.textContent = [slot.textContent, message].filter(Boolean).join(" ");
          else general.push(message);
        }
        if (url.error.textContent) url.control.setAttribute("aria-invalid", "true");
        status.set(general.length ? general.join(" ") : "Not saved: see the messages next to the fields.", "error");
        form.querySelector("[aria-invalid=true]")?.focus();
      }
    });
  });
  return form;
}

function secretPanel(name) {
  const output = h("output", { class: "secret", "aria-live": "polite" });
  const status = statusLine();
  const run = (task) => (event) => void busy(event.currentTarget, async () => {
    try {
      await task();
    } catch (error) {
      status.set(error.message, "error");
    }
  });
  const reveal = h("button", { type: "button", class: "secondary", onclick: run(async () => {
    output.textContent = (await api("GET", `/webhook/secret/${enc(name)}`)).secret;
    status.set("");
  }) }, "Reveal secret");
  const rotate = h("button", { type: "button", class: "secondary", onclick: run(async () => {
    const rotated = await api("POST", `/webhook/secret/${enc(name)}/rotate`);
    output.textContent = rotated.secret;
    status.set(`New secret issued. Deliveries also carry a signature with the old one until ${new Date(rotated.previousSecretExpiresAt).toLocaleString()}.`, "ok");
  }) }, "Rotate secret");
  const test = h("button", { type: "button", onclick: run(async () => {
    const delivery = await api("POST", `/webhook/test/${enc(name)}`);
    status.set(`Test event queued as ${delivery.id}; follow it under Deliveries.`, "ok");
  }) }, "Send a test event");
  return h("section", { class: "card", "aria-labelledby": "secret-title" },
    h("h3", { id: "secret-title" }, "Signing secret and test"),
    h("p", { class: "hint" }, "Deliveries are signed with Standard Webhooks (webhook-signature); verify them with this secret."),
    h("div", { class: "actions" }, reveal, rotate, test), output, status.el);
}
