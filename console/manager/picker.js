// The "Instance" select of the per-instance screens (webhooks, deliveries). Changing it changes
// the URL hash, so the screen is rendered again for that instance.
import { field, h } from "./dom.js";

/** Resolves with the picker and the instance to show (`wanted` when visible, else the first one). */
export async function instancePicker(ctx, wanted, screen) {
  const names = await ctx.instanceNames();
  const current = names.includes(wanted) ? wanted : names[0];
  const picker = field("Instance", {}, "select");
  picker.control.append(...names.map((name) => h("option", { value: name }, name)));
  if (current) picker.control.value = current;
  picker.control.addEventListener("change", () => ctx.go(`#/${screen}/${encodeURIComponent(picker.control.value)}`));
  return { wrapper: picker.wrapper, current };
}

/** A heading that the app can move focus to after navigation. */
export const screenTitle = (text) => h("h2", { tabindex: "-1" }, text);
