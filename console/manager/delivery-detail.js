// One delivery with every attempt (time, HTTP status, latency, outcome, error, response snippet)
// and Redeliver. While the delivery is pending the panel refreshes itself until it settles.
import { api, enc } from "./api.js";
import { busy, formatTime, h, statusLine } from "./dom.js";

const REFRESH_MS = 1_500;

/** Renders the detail into `slot`; returns a function that closes it. */
export function deliveryDetail(slot, instance, id, onChange) {
  let timer;
  let closed = false;
  let lastStatus;
  const status = statusLine();
  const body = h("div");
  const redeliver = h("button", { type: "button" }, "Redeliver");
  const close = h("button", { type: "button", class: "secondary", onclick: () => stop() }, "Close");
  const titleId = `delivery-${id}`;
  const panel = h("section", { class: "card detail", "aria-labelledby": titleId },
    h("h3", { id: titleId }, `Delivery ${id}`), body, h("div", { class: "actions" }, redeliver, close), status.el);
  slot.replaceChildren(panel);

  function stop() {
    closed = true;
    clearTimeout(timer);
    slot.replaceChildren();
  }

  async function refresh() {
    clearTimeout(timer);
    const delivery = await api("GET", `/deliveries/${enc(instance)}/${enc(id)}`);
    if (closed) return;
    body.replaceChildren(summary(delivery), attemptsTable(delivery.attempts));
    redeliver.disabled = delivery.status === "pending";
    if (delivery.status === "pending") timer = setTimeout(() => refresh().catch(report), REFRESH_MS);
    // The list shows statuses too: reload it when this one settled differently.
    if (lastStatus !== undefined && lastStatus !== delivery.status) onChange();
    lastStatus = delivery.status;
  }
  const report = (error) => status.set(error.message, "error");

  redeliver.addEventListener("click", () => void busy(redeliver, async () => {
    try {
      await api("POST", `/deliveries/${enc(instance)}/${enc(id)}/redeliver`);
      status.set("Queued again with the same webhook-id.", "ok");
      await refresh();
    } catch (error) {
      report(error);
    }
  }));
  refresh().then(() => panel.querySelector("h3")?.setAttribute("tabindex", "-1"), report);
  redeliver.focus();
  return stop;
}

function summary(d) {
  const fact = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  return h("dl", { class: "facts" },
    fact("Event", d.event), fact("Target", d.target),
    fact("Status", h("span", { class: `badge delivery-${d.status}` }, d.status)),
    fact("Attempts", String(d.attemptCount)),
    fact("Next attempt", formatTime(d.nextAttemptAt)),
    fact("Last error", d.lastError ?? "—"),
    fact("Created", formatTime(d.createdAt)), fact("Completed", formatTime(d.completedAt)));
}

function attemptsTable(attempts) {
  if (!attempts.length) return h("p", { class: "hint" }, "No attempt yet.");
  return h("div", { class: "table-scroll" }, h("table", { class: "log" },
    h("caption", {}, "Attempts"),
    h("thead", {}, h("tr", {}, ["#", "At", "HTTP", "Latency", "Outcome", "Error", "Response"].map((label) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, attempts.map((a) => h("tr", {},
      h("td", { class: "num" }, String(a.attempt)),
      h("td", {}, formatTime(a.at)),
      h("td", { class: "num" }, a.statusCode === null ? "—" : String(a.statusCode)),
      h("td", { class: "num" }, `${a.latencyMs} ms`),
      h("td", {}, a.outcome),
      h("td", {}, a.error ?? "—"),
      h("td", {}, h("code", { class: "snippet" }, a.responseBody ?? "")))))));
}
