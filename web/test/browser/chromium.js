// Debian's Chromium driven by playwright-core for the browser tests: no
// browser download, headless, one launch per test file. Screenshots go under
// KOPILKA_SCREENSHOT_DIR (ctest sets it inside the build dir).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const chromium_bin = process.env.KOPILKA_CHROMIUM ?? '/usr/bin/chromium';
export const screenshot_dir = process.env.KOPILKA_SCREENSHOT_DIR ?? join(process.cwd(), 'screenshots');
// The cheap phone the brief has in mind: 360 CSS px wide.
export const phone_viewport = { width: 360, height: 640 };

/** Launches headless Chromium; `args` adds switches (a fake camera, say). */
export async function launch(args = []) {
  return chromium.launch({
    executablePath: chromium_bin,
    headless: true,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', ...args],
  });
}

/** A fresh browser context (its own IndexedDB: one person's phone) at 360×640, in `locale`. */
export async function phoneContext(browser, { locale = 'ru-RU', ...options } = {}) {
  return browser.newContext({ viewport: phone_viewport, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale, ...options });
}

/** Saves a full-page PNG as `<screenshot_dir>/<group>/<name>.png`; returns its path. */
export async function screenshot(page, group, name) {
  const dir = join(screenshot_dir, group);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Whether the page scrolls sideways (content wider than the viewport). */
export async function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}
