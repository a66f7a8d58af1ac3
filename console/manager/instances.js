// Instances screen: the list (live state, profile name, number), create, and per instance
// Connect, Restart, Log out, Delete plus links to its webhook and deliveries.
import { api, ApiError, enc } from "./api.js";
import { busy, field, h, phoneOf, statusLine } from "./dom.js";
import { openConnect } from "./connect.js";
import { screenTitle } from "./picker.js";

const REFRESH_MS = 5_000;

export function renderInstances(root, ctx) {
  const list = h("div", { class: "cards" });
  const connectSlot = h("div");
  const status = statusLine();
  let closeConnect = () => {};
  let lastJson = "";

  async function refresh() {
    const items = await api("GET", "/instance/fetchInstances");
    const json = JSON.stringify(items);
    if (json === lastJson) return;
    lastJson = json;
    // Rebuilt only when something changed; keep keyboard focus on the same button.
    const active = document.activeElement;
    const focused = active instanceof HTMLElement ? active.dataset.focusKey : undefined;
    list.replaceChildren(...(items.length ? items.map((item) => instanceCard(item.instance)) : [h("p", { class: "hint" }, "No instances yet.")]));
    if (focused) list.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
  }
  const report = (error) => status.set(error.message, "error");

  function connect(name) {
    closeConnect();
    closeConnect = openConnect(connectSlot, name, () => {
      lastJson = "";
      refresh().catch(report);
    });
  }

  /** The last action's outcome per instance, kept across list rebuilds (the action itself changes the list). */
  const notes = new Map();

  function instanceCard(instance) {
    const name = instance.instanceName;
    const cardStatus = statusLine();
    const note = notes.get(name);
    if (note) cardStatus.set(note.text, note.tone);
    const actions = h("div", { class: "actions" });
    const action = (label, task) => h("button", { type: "button", "data-focus-key": `${name}:${label}`, onclick: (event) => void busy(event.currentTarget, async () => {
      try {
        notes.set(name, { text: await task(), tone: "ok" });
      } catch (error) {
        notes.set(name, { text: error.message, tone: "error" });
      }
      lastJson = "";
      await refresh().catch(report);
    }) }, label);
    const confirmDelete = () => {
      actions.replaceChildren(
        h("span", {}, `Delete ${name} and its webhook and delivery log?`),
        action("Delete for good", async () => {
          await api("DELETE", `/instance/delete/${enc(name)}`);
          status.set(`${name} deleted.`, "ok");
          return "";
        }),
        h("button", { type: "button", class: "secondary", onclick: () => { lastJson = ""; void refresh(); } }, "Cancel"),
      );
      actions.querySelector("button")?.focus();
    };
    actions.append(
      h("button", { type: "button", "data-focus-key": `${name}:Connect`, onclick: () => connect(name) }, "Connect"),
      action("Restart", async () => `Restarted: ${(await api("PUT", `/instance/restart/${enc(name)}`)).instance.state}`),
      action("Log out", async () => (await api("DELETE", `/instance/logout/${enc(name)}`), `${name} logged out.`)),
      h("button", { type: "button", class: "danger", "data-focus-key": `${name}:Delete`, onclick: confirmDelete }, "Delete"),
      h("a", { href: `#/webhooks/${enc(name)}` }, "Webhook"),
      h("a", { href: `#/deliveries/${enc(name)}` }, "Deliveries"),
    );
    const titleId = `instance-${name}`;
    return h("article", { class: "card", "aria-labelledby": titleId },
      h("h3", { id: titleId }, name),
      h("dl", { class: "facts" },
        h("dt", {}, "State"), h("dd", {}, h("span", { class: `badge state-${instance.status}` }, instance.status)),
        h("dt", {}, "Profile name"), h("dd", {}, instance.profileName ?? "—"),
        h("dt", {}, "Number"), h("dd", {}, phoneOf(instance.owner))),
      actions, cardStatus.el);
  }

  root.append(screenTitle("Instances"));
  if (ctx.kind() === "global") root.append(createForm(() => { lastJson = ""; return refresh(); }));
  root.append(status.el, connectSlot, list);
  refresh().catch(report);
  const timer = setInterval(() => refresh().catch(report), REFRESH_MS);
  return () => {
    clearInterval(timer);
    closeConnect();
  };
}

function createForm(refresh) {
  const name = field("Instance name", { autocomplete: "off", spellcheck: "false", placeholder: "sales" });
  const status = statusLine();
  const submit = h("button", { type: "submit" }, "Create instance");
  const form = h("form", { class: "card", "aria-labelledby": "create-title", novalidate: true },
    h("h3", { id: "create-title" }, "New instance"), name.wrapper, submit, status.el);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    name.error.textContent = "";
    void busy(submit, async () => {
      try {
        const created = await api("POST", "/instance/create", { instanceName: name.control.value.trim() });
        const instanceName = created.instance.instanceName;
        name.control.value = "";
        status.set(`Created ${instanceName}. Its instance token (shown once): ${created.hash.apikey}`);
        await refresh();
      } catch (error) {
        // 400 (invalid name) and 403 (name taken) are both about the name field.
        if (error instanceof ApiError && (error.status === 400 || error.status === 403)) name.error.textContent = error.messages.join(" ");
        else status.set(error.message, "error");
      }
    });
  });
  return form;
}
