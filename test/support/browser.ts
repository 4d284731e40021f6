import { afterAll, beforeAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`), or the one CHROMIUM_PATH names. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * One headless Chromium for the spec file (started in beforeAll, closed in afterAll); each call
 * of `context()` is a fresh profile (no cookies, no storage), closed with the browser.
 */
export function useBrowser() {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(
        `No Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH.`,
      );
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    context(): Promise<BrowserContext> {
      if (!browser) throw new Error('The browser starts in beforeAll; use it inside a test.');
      return browser.newContext();
    },
  };
}
