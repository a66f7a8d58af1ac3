// The console shell: sign in with an API key, the navigation, and hash routing between screens
// (#/instances, #/webhooks/<name>, #/deliveries/<name>). Only instance names go in the URL.
import { api, ApiError, onUnauthorized, session } from "./api.js";
import { busy, field, h, statusLine } from "./dom.js";
import { renderInstances } from "./instances.js";
import { renderWebhooks } from "./webhooks.js";
import { renderDeliveries } from "./deliveries.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let cleanup = () => {};

/**
 * Which kind of key this is. The API has no "who am I" route; create checks the global key before
 * it validates the body, so an empty create is a 401 for an instance token and a 400 (nothing
 * created) for the global key.
 */
async function keyKind(key) {
  try {
    await api("POST", "/instance/create", {}, key);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return "instance";
    if (error instanceof ApiError && error.status === 400) return "global";
    throw error;
  }
  throw new Error("an empty create unexpectedly succeeded");
}

function renderSignIn(notice) {
  cleanup();
  cleanup = () => {};
  nav.hidden = true;
  who.replaceChildren();
  const key = field("API key", { type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const status = statusLine();
  if (notice) status.set(notice, "error");
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h2", { id: "signin-title" }, "Sign in"),
    h("p", { class: "hint" }, "The global key (AUTHENTICATION_API_KEY) manages every instance; an instance token manages only its instance. The key stays in this browser tab."),
    key.wrapper, submit, status.el);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = key.control.value.trim();
    key.error.textContent = "";
    if (!value) {
      key.error.textContent = "Enter a key.";
      key.control.focus();
      return;
    }
    void busy(submit, async () => {
      status.set("Checking the key…");
      try {
        // fetchInstances accepts both kinds of key, so it tells a wrong key apart.
        await api("GET", "/instance/fetchInstances", undefined, value);
        session.save(value, await keyKind(value));
        status.set("");
        if (!location.hash || location.hash === "#/") location.hash = "#/instances";
        render();
      } catch (error) {
        const wrong = error instanceof ApiError && error.status === 401;
        key.error.textContent = wrong ? "This key was not accepted." : `Could not check the key: ${error.message}`;
        key.control.focus();
      }
    });
  });
  main.replaceChildren(form);
  key.control.focus();
}

function signOut(notice) {
  session.clear();
  renderSignIn(notice);
}

function renderHeader() {
  nav.hidden = false;
  const kind = session.kind() === "global" ? "global key" : "instance token";
  const route = currentRoute();
  for (const link of nav.querySelectorAll("a")) {
    const screen = link.getAttribute("href").slice(2);
    // aria-current="" would mean false: name the kind of current item.
    if (screen === route.screen) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
    if (screen !== "instances" && route.instance) link.setAttribute("href", `#/${screen}/${encodeURIComponent(route.instance)}`);
  }
  who.replaceChildren(h("span", {}, `Signed in with the ${kind}`), h("button", { type: "button", class: "secondary", onclick: () => signOut() }, "Sign out"));
}

function currentRoute() {
  const [screen = "instances", instance] = location.hash.replace(/^#\/?/, "").split("/");
  return { screen, instance: instance ? decodeURIComponent(instance) : undefined };
}

/** What every screen gets: the key kind, navigation and the instance names this key can see. */
const context = {
  kind: () => session.kind(),
  go: (hash) => {
    location.hash = hash;
  },
  async instanceNames() {
    const items = await api("GET", "/instance/fetchInstances");
    return items.map((item) => item.instance.instanceName);
  },
};

const SCREENS = { instances: renderInstances, webhooks: renderWebhooks, deliveries: renderDeliveries };

function render() {
  if (!session.key()) return renderSignIn();
  cleanup();
  renderHeader();
  const route = currentRoute();
  const screen = SCREENS[route.screen] ?? renderInstances;
  const root = h("div", { class: "screen" });
  main.replaceChildren(root);
  cleanup = screen(root, context, route.instance) ?? (() => {});
  root.querySelector("h2")?.focus();
}

onUnauthorized(() => signOut("The key is no longer accepted (was the token refreshed or the instance deleted?). Sign in again."));
addEventListener("hashchange", render);
render();
