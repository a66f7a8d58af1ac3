// Deliveries screen: the delivery log with filters (status, event, since), a delivery's detail with
// every attempt, Redeliver one, and "redeliver all failed matching the filter" (one call to the
// bulk route, POST /deliveries/{instance}/redeliver, with the same filter).
import { api, ApiError, enc } from "./api.js";
import { busy, field, formatTime, h, statusLine } from "./dom.js";
import { WEBHOOK_EVENTS } from "./events.js";
import { instancePicker, screenTitle } from "./picker.js";
import { deliveryDetail } from "./delivery-detail.js";

const PAGE_SIZE = 50;

export function renderDeliveries(root, ctx, wanted) {
  const title = screenTitle("Deliveries");
  const status = statusLine();
  root.append(title, status.el);
  let closeDetail = () => {};
  void (async () => {
    try {
      const picker = await instancePicker(ctx, wanted, "deliveries");
      if (!picker.current) return status.set("No instance yet.");
      title.textContent = `Deliveries of ${picker.current}`;
      const screen = deliveryLog(picker.current, (close) => {
        closeDetail();
        closeDetail = close;
      });
      root.append(picker.wrapper, screen);
    } catch (error) {
      status.set(error.message, "error");
    }
  })();
  return () => closeDetail();
}

function filterForm() {
  const statusFilter = field("Status", {}, "select");
  statusFilter.control.append(...["", "failed", "pending", "succeeded"].map((s) => h("option", { value: s }, s || "any")));
  const eventFilter = field("Event", {}, "select");
  eventFilter.control.append(h("option", { value: "" }, "any"), ...Object.values(WEBHOOK_EVENTS).map((e) => h("option", { value: e }, e)));
  const since = field("Since", { type: "datetime-local", step: "1" });
  return {
    fields: [statusFilter, eventFilter, since],
    /** The query string of the filter (and of every page of it). */
    query(extra = {}) {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (statusFilter.control.value) params.set("status", statusFilter.control.value);
      if (eventFilter.control.value) params.set("event", eventFilter.control.value);
      // datetime-local is the browser's local time; the API takes ISO-8601.
      if (since.control.value) params.set("since", new Date(since.control.value).toISOString());
      for (const [key, value] of Object.entries(extra)) params.set(key, value);
      return params;
    },
    errorSlots: { status: statusFilter.error, event: eventFilter.error, since: since.error },
  };
}

function deliveryLog(name, setDetail) {
  const filters = filterForm();
  const rows = h("tbody");
  const detailSlot = h("div");
  const status = statusLine();
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  const search = h("button", { type: "submit" }, "Search");
  const redeliverAll = h("button", { type: "button", class: "secondary" }, "Redeliver all failed matching the filter");
  let nextCursor = null;

  const clearErrors = () => Object.values(filters.errorSlots).forEach((slot) => (slot.textContent = ""));
  const showError = (error) => {
    const field = error instanceof ApiError && /^Invalid "(\w+)"/.exec(error.messages[0] ?? "")?.[1];
    if (field && filters.errorSlots[field]) filters.errorSlots[field].textContent = error.messages.join(" ");
    else status.set(error.message, "error");
  };

  let loads = 0;
  async function load(append) {
    clearErrors();
    const query = filters.query(append && nextCursor ? { cursor: nextCursor } : {});
    const mine = ++loads;
    const page = await api("GET", `/deliveries/${enc(name)}?${query}`);
    // A slower, older search (e.g. the initial one) must not overwrite a newer filter's rows.
    if (mine !== loads) return;
    if (!append) rows.replaceChildren();
    rows.append(...page.deliveries.map(row));
    nextCursor = page.nextCursor;
    more.hidden = !nextCursor;
    const shown = rows.children.length;
    status.set(shown ? `${shown} deliver${shown === 1 ? "y" : "ies"} shown.` : "No deliveries match.");
  }

  function row(delivery) {
    const open = () => setDetail(deliveryDetail(detailSlot, name, delivery.id, () => load(false).catch(showError)));
    // Event (the way into the detail) and status first: at phone width they are what fits.
    return h("tr", {},
      h("td", {}, h("button", { type: "button", class: "link", "aria-label": `Details of ${delivery.event} ${delivery.id}`, onclick: open }, delivery.event)),
      h("td", {}, h("span", { class: `badge delivery-${delivery.status}` }, delivery.status)),
      h("td", {}, formatTime(delivery.createdAt)),
      h("td", { class: "num" }, String(delivery.attemptCount)),
      h("td", { class: "num" }, delivery.lastStatusCode === null ? "—" : String(delivery.lastStatusCode)),
      h("td", {}, delivery.target));
  }

  /** Every failed delivery matching the filter, requeued by the API in one call (POST …/redeliver). */
  async function redeliverFailed() {
    const params = new URLSearchParams(filters.query({}));
    const body = { status: "failed" };
    if (params.get("event")) body.event = params.get("event");
    if (params.get("since")) body.since = params.get("since");
    const { queued } = await api("POST", `/deliveries/${enc(name)}/redeliver`, body);
    await load(false);
    status.set(queued ? `Redelivered ${queued} failed ${queued === 1 ? "delivery" : "deliveries"}.` : "No failed deliveries match the filter.", "ok");
  }

  const form = h("form", { class: "card filters", "aria-label": "Delivery filters", novalidate: true },
    filters.fields.map((f) => f.wrapper), h("div", { class: "actions" }, search, redeliverAll));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void busy(search, () => load(false).catch(showError));
  });
  more.addEventListener("click", () => void busy(more, () => load(true).catch(showError)));
  redeliverAll.addEventListener("click", () => void busy(redeliverAll, () => redeliverFailed().catch(showError)));
  void load(false).catch(showError);

  const table = h("table", { class: "log" },
    h("caption", {}, `Deliveries of ${name}, newest first`),
    h("thead", {}, h("tr", {}, ["Event (details)", "Status", "Created", "Attempts", "Last HTTP", "Target"].map((label) => h("th", { scope: "col" }, label)))),
    rows);
  return h("div", {}, form, status.el, detailSlot, h("div", { class: "table-scroll" }, table), more);
}
