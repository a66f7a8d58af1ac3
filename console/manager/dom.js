// Tiny DOM helpers for the console: an `h()` element builder and small formatting functions.
// No framework: the console is a few forms and lists, and every byte here is served by the worker.

/**
 * Creates an element. `props`: `class`, `on<event>` listeners, DOM properties for non-string
 * values (checked, disabled…) and attributes for strings. Children: nodes, strings, arrays; null skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "class") el.className = value;
    else if (typeof value !== "string" && key in el) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendAll(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

let idCounter = 0;
/** A document-unique id for label/describedby wiring. */
export const uid = (prefix) => `${prefix}-${++idCounter}`;

/** A labelled input (or select/textarea via `tag`) with an error slot wired through aria-describedby. */
export function field(label, props = {}, tag = "input") {
  const id = uid("f");
  const errorId = `${id}-error`;
  const control = h(tag, { id, "aria-describedby": errorId, ...props });
  const error = h("p", { id: errorId, class: "field-error" });
  const wrapper = h("div", { class: "field" }, h("label", { for: id }, label), control, error);
  return { wrapper, control, error };
}

/** A checkbox with its label after it. */
export function checkbox(label, checked, props = {}) {
  const id = uid("c");
  const control = h("input", { type: "checkbox", id, checked, ...props });
  return { wrapper: h("div", { class: "check" }, control, h("label", { for: id }, label)), control };
}

/** A status line announced to screen readers (role=status). */
export function statusLine(className = "status") {
  const el = h("p", { role: "status", class: className });
  return {
    el,
    set(text, tone = "info") {
      el.textContent = text;
      el.dataset.tone = tone;
    },
  };
}

/** `15551234567@s.whatsapp.net` → `+15551234567`; other JIDs as they are. */
export function phoneOf(jid) {
  if (!jid) return "—";
  const match = /^(\d+)(?::\d+)?@s\.whatsapp\.net$/.exec(jid);
  return match ? `+${match[1]}` : jid;
}

export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Runs `task` with `button` disabled, so a double click does not send twice. */
export async function busy(button, task) {
  button.disabled = true;
  try {
    return await task();
  } finally {
    button.disabled = false;
  }
}
