// The webhook's extra headers as editable name/value rows (add, remove), with one error slot for
// the API's "headers" messages.
import { h, uid } from "./dom.js";

export function headersEditor(initial) {
  const rows = h("div", { class: "header-rows" });
  const errorId = uid("headers-error");
  const error = h("p", { id: errorId, class: "field-error" });
  let count = 0;

  function addRow(name = "", value = "") {
    count += 1;
    const n = count;
    const nameInput = h("input", { "aria-label": `Header ${n} name`, value: name, autocomplete: "off", spellcheck: "false", placeholder: "Authorization" });
    const valueInput = h("input", { "aria-label": `Header ${n} value`, value, autocomplete: "off", spellcheck: "false" });
    const row = h("div", { class: "header-row" }, nameInput, valueInput,
      h("button", { type: "button", class: "secondary", "aria-label": `Remove header ${n}`, onclick: () => row.remove() }, "Remove"));
    rows.append(row);
    return nameInput;
  }
  for (const [name, value] of Object.entries(initial ?? {})) addRow(name, value);

  const el = h("fieldset", { "aria-describedby": errorId }, h("legend", {}, "Headers"), rows,
    h("button", { type: "button", class: "secondary", onclick: () => addRow().focus() }, "Add header"), error);
  return {
    el,
    error,
    /** Rows with a name, as the API's `headers` object. */
    value() {
      const out = {};
      for (const row of rows.children) {
        const [nameInput, valueInput] = row.querySelectorAll("input");
        if (nameInput.value.trim()) out[nameInput.value.trim()] = valueInput.value;
      }
      return out;
    },
  };
}
