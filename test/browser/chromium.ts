/**
 * Finds Debian's Chromium for the browser tests: CHROMIUM_PATH, else /usr/bin/chromium. When it is
 * missing and we are root with apt, installs Debian's `chromium` package; otherwise fails with an
 * instruction. Never a downloaded browser, never a silent skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findChromium(): string {
  const wanted = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(wanted)) return wanted;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!process.env.CHROMIUM_PATH && root && existsSync('/usr/bin/apt-get')) {
    console.log('browser tests: installing Debian chromium (apt-get install -y chromium)');
    execFileSync('apt-get', ['update'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (existsSync(wanted)) return wanted;
  }
  throw new Error(
    `Chromium not found at ${wanted}. Install Debian's chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary, then run npm test again.`,
  );
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
