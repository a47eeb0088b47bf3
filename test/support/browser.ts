import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.GYEOL_CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run. Locally a missing Chromium skips them with a loud reason;
 * in CI (`CI=true`) it is a failure, because `.ci/run` installs Debian's `chromium`.
 */
export const hasChromium: boolean = (() => {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but Chromium is missing at ${CHROMIUM_PATH}: .ci/run must install Debian's chromium`);
  }
  console.warn(`\n*** SKIPPING browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium) ***\n`);
  return false;
})();

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** Screenshots and other test artifacts go under test-artifacts/ (kept by CI). */
export function artifactPath(name: string): string {
  const dir = path.resolve('test-artifacts');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** A mobile device profile for Playwright contexts (an Android phone). */
export const MOBILE_CONTEXT = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
} as const;
