import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, through playwright-core (no browser download). The flags keep
 * it from reaching out (this machine's network is closed) and from sandboxing as root.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
