// The Connect panel: shows the instance's QR (the PNG data URL the API returns) or a pairing code,
// refreshes the QR as new codes arrive, and switches to "open" by itself once the phone has scanned.
import { api, enc } from "./api.js";
import { busy, field, h, statusLine } from "./dom.js";

const POLL_MS = 2_000;
/** connectionState is cheap; the QR is re-read through connect every this many polls. */
const QR_EVERY = 3;
/** "close" is normal for a moment after a scan (WhatsApp's 515 restart); only a lasting close ends polling. */
const CLOSED_POLLS_BEFORE_GIVING_UP = 5;

/** Opens the panel in `slot`; returns a function that closes it and stops polling. */
export function openConnect(slot, name, onOpen) {
  let stopped = false;
  let timer;
  let closedPolls = 0;
  let polls = 0;
  const titleId = `connect-${name}`;
  const state = statusLine("status state-line");
  const qr = h("img", { class: "qr", alt: `QR code to link ${name}`, width: 264, height: 264, hidden: true });
  const pairing = h("p", { class: "pairing", hidden: true });
  const number = field("Phone number for a pairing code (instead of the QR)", { inputmode: "tel", autocomplete: "off", placeholder: "+15551234567" });
  const pairingButton = h("button", { type: "submit", class: "secondary" }, "Get pairing code");
  const pairingForm = h("form", { class: "inline", novalidate: true }, number.wrapper, pairingButton);
  const retry = h("button", { type: "button", hidden: true, onclick: () => start() }, "Get a new QR");
  const close = h("button", { type: "button", class: "secondary", onclick: () => stop(true) }, "Close");
  const panel = h("section", { class: "card connect", "aria-labelledby": titleId },
    h("h3", { id: titleId }, `Connect ${name}`),
    h("p", { class: "hint" }, "On the phone: WhatsApp › Settings › Linked devices › Link a device, then scan this code."),
    state.el, qr, pairing, pairingForm, h("div", { class: "actions" }, retry, close));
  slot.replaceChildren(panel);
  close.focus();

  function stop(remove = false) {
    stopped = true;
    clearTimeout(timer);
    if (remove) slot.replaceChildren();
  }

  function show(result) {
    if (result?.instance?.state === "open") return opened();
    if (result?.base64 && qr.src !== result.base64) {
      qr.src = result.base64;
      qr.hidden = false;
    }
    if (result?.pairingCode) {
      pairing.hidden = false;
      pairing.replaceChildren("Pairing code: ", h("strong", {}, result.pairingCode), " — enter it on the phone under Link with phone number.");
    }
    if (result?.count) state.set(`State: connecting — QR code ${result.count}, waiting for the scan`);
  }

  function opened() {
    stop();
    qr.hidden = true;
    pairing.hidden = true;
    pairingForm.hidden = true;
    state.set(`State: open — ${name} is connected`, "ok");
    onOpen();
  }

  async function connect(numberValue) {
    const query = numberValue ? `?number=${enc(numberValue)}` : "";
    show(await api("GET", `/instance/connect/${enc(name)}${query}`));
  }

  async function poll() {
    if (stopped) return;
    try {
      polls += 1;
      const current = (await api("GET", `/instance/connectionState/${enc(name)}`)).instance.state;
      if (stopped) return;
      if (current === "open") return opened();
      closedPolls = current === "close" ? closedPolls + 1 : 0;
      if (closedPolls >= CLOSED_POLLS_BEFORE_GIVING_UP) {
        stop();
        qr.hidden = true;
        state.set("State: close — the QR code expired or the connection closed.", "error");
        retry.hidden = false;
        return;
      }
      if (current === "connecting" && polls % QR_EVERY === 0) await connect();
    } catch (error) {
      state.set(error.message, "error");
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }

  async function start(numberValue) {
    stopped = false;
    closedPolls = 0;
    retry.hidden = true;
    clearTimeout(timer);
    state.set("Asking the connector for a QR code…");
    try {
      await connect(numberValue);
    } catch (error) {
      // A bad number is the number field's error (the API names it); anything else is the panel's.
      if (numberValue && error.status === 400) number.error.textContent = error.messages.join(" ");
      state.set(numberValue ? "No pairing code." : error.message, "error");
      return;
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }

  pairingForm.addEventListener("submit", (event) => {
    event.preventDefault();
    number.error.textContent = "";
    void busy(pairingButton, () => start(number.control.value.trim()));
  });

  void start();
  return () => stop(true);
}
