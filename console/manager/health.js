// Endpoint health of the default webhook (GET /webhooks/{instance}/default/stats): deliveries by
// status, success rate and latency over the last hour and day, the failure streak and why it is
// disabled, if it is. Read-only; "Refresh" reads it again.
import { api, enc } from "./api.js";
import { busy, h, statusLine } from "./dom.js";

const percent = (rate) => (rate === null ? "no attempts" : `${Math.round(rate * 1000) / 10} %`);
const ms = (value) => (value === null ? "–" : `${value} ms`);

function windowRow(label, w) {
  const { pending, succeeded, failed } = w.deliveries;
  return h("tr", {},
    h("th", { scope: "row" }, label),
    h("td", {}, `${succeeded} / ${failed} / ${pending}`),
    h("td", {}, percent(w.successRate)),
    h("td", {}, `${ms(w.latencyMs.p50)} · ${ms(w.latencyMs.p95)}`));
}

function healthView(stats) {
  const table = h("table", {},
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Window"), h("th", { scope: "col" }, "Succeeded / failed / pending"),
      h("th", { scope: "col" }, "Success rate"), h("th", { scope: "col" }, "Latency p50 · p95"))),
    h("tbody", {}, windowRow("Last hour", stats.lastHour), windowRow("Last day", stats.lastDay)));
  const facts = [`Consecutive failures: ${stats.consecutiveFailures}`];
  if (stats.lastError) facts.push(`Last error: ${stats.lastError}`);
  if (stats.disabledAt) facts.push(`Disabled since ${new Date(stats.disabledAt).toLocaleString()}: ${stats.disabledReason ?? "disabled"}`);
  return h("div", {}, table, ...facts.map((fact) => h("p", {}, fact)));
}

export function healthPanel(name) {
  const body = h("div", { "aria-live": "polite" });
  const status = statusLine();
  const load = async () => {
    try {
      body.replaceChildren(healthView(await api("GET", `/webhooks/${enc(name)}/default/stats`)));
      status.set("");
    } catch (error) {
      status.set(error.status === 404 ? "No webhook set yet." : error.message, error.status === 404 ? "" : "error");
    }
  };
  const refresh = h("button", { type: "button", class: "secondary", onclick: (event) => void busy(event.currentTarget, load) }, "Refresh health");
  void load();
  return h("section", { class: "card", "aria-labelledby": "health-title" },
    h("h3", { id: "health-title" }, "Endpoint health"), body, h("div", { class: "actions" }, refresh), status.el);
}
