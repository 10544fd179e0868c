// A headless Chromium for the tests that look at pages as a person would (the Temporal Web UI).
// Debian's `chromium` package, which `npm run setup` installs where it may; puppeteer-core drives it.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function chromiumPath(): string {
  const path = [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p): p is string => p !== undefined && p !== '' && existsSync(p));
  if (!path) throw new Error(`no Chromium found (${CANDIDATES.join(', ')} or CHROMIUM_PATH): apt-get install chromium, or npm run setup as root`);
  return path;
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1440,1100'],
    defaultViewport: { width: 1440, height: 1100 },
  });
}
