/**
 * Vitest global set-up of the `node` project: finds (or installs) Debian's Chromium once, before
 * any test file starts. Two browser files run side by side, and each finding it missing at once
 * would start two apt-get runs, the second failing on apt's lock (seen on a fresh machine).
 */
import { findChromium } from './chromium';

export default function setup(): void {
  findChromium();
}
