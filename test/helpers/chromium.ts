/**
 * Debian's Chromium for the browser tests, driven by puppeteer-core: where it is, how it is started,
 * and what counts as a problem on a page (a console error or warning, a page error, a failed request,
 * a request to anywhere but the page's own origin). Screenshots go to test-artifacts/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { ROOT } from './fixtures.js';

export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => Boolean(p && existsSync(p)));
export const CHROMIUM_MISSING = 'Chromium is missing: .ci/run installs Debian’s chromium for this test';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  const puppeteer = (await import('puppeteer-core')).default;
  return puppeteer.launch({ executablePath: CHROMIUM!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'] });
}

/** Records the page's problems as they happen; `ownOrigin`: the prefix a request may start with (besides data:). */
export function watchPage(page: Page, ownOrigin: string): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(ownOrigin) && !r.url().startsWith('data:')) problems.push(`request: ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return problems;
}
