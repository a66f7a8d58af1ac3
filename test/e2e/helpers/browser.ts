// Real Chromium for the console suite: Debian's `chromium` driven by playwright-core (no browser
// download). A missing browser is a failure with instructions, never a skip: CI installs it.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium"];

export function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH;
  const found = configured ? [configured].filter(existsSync)[0] : CANDIDATES.find(existsSync);
  if (!found) {
    throw new Error(
      `Chromium not found (${configured ? `CHROMIUM_PATH=${configured} does not exist` : `looked in ${CANDIDATES.join(", ")}`}). ` +
        "The console suite drives the system browser: install Debian's package (`apt-get install chromium`) or set CHROMIUM_PATH. `.ci/run` installs it.",
    );
  }
  return found;
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  // Chromium's sandbox refuses to start as root (CI containers); the pages it loads are our own.
  const args = process.getuid?.() === 0 ? ["--no-sandbox"] : [];
  return chromium.launch({ executablePath, args, headless: true });
}

/** What the page did that a user would not want: requests to other origins, uncaught errors. */
export interface PageWatch {
  external: string[];
  errors: string[];
}

/** Aborts and records every request that leaves `origin`; records uncaught page errors. */
export async function watchPage(page: Page, origin: string): Promise<PageWatch> {
  const watch: PageWatch = { external: [], errors: [] };
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith("data:")) return route.continue();
    watch.external.push(url);
    return route.abort();
  });
  page.on("pageerror", (error) => watch.errors.push(error.message));
  return watch;
}

/** Waits (auto-retrying, no sleep) until an element of `locator` shows `text`. */
export async function see(locator: Locator, text: string | RegExp, timeout = 20_000): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: "visible", timeout });
}

/** The element describing a control (aria-describedby): where the console puts a field's error. */
export async function descriptionOf(page: Page, control: Locator): Promise<Locator> {
  const id = await control.getAttribute("aria-describedby");
  if (!id) throw new Error("control has no aria-describedby");
  return page.locator(`[id="${id}"]`);
}

export const SCREENSHOT_DIR = join(new URL("../../../", import.meta.url).pathname, ".artifacts", "console");

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
