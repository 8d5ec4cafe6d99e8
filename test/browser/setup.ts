/**
 * The one set-up of the browser tests: a Worker server (Miniflare, the suite's bindings plus the
 * file's), optionally a callback page for redirect URIs, the file's own data, and Debian's
 * Chromium (test/browser/chromium.ts finds it, or says how to install it). Torn down after the
 * file's tests.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from './chromium';
import { callbackServer, startWorker } from './worker-server';

type Server = Awaited<ReturnType<typeof startWorker>>;
type Callback = Awaited<ReturnType<typeof callbackServer>>;

export interface BrowserEnvironment {
  readonly server: Server;
  readonly browser: Browser;
  /** The D1 database of the server. */
  readonly db: D1Database;
  /** A page on its own port that redirect URIs can point at (with `callback: true`). */
  readonly callback: Callback;
}

export function useBrowserEnvironment(options: {
  /** Worker bindings beyond the suite's. */
  readonly vars?: Record<string, string>;
  readonly callback?: boolean;
  /** Runs once the server is up, before the browser starts (insert clients, serve pages). */
  readonly prepare?: (env: Omit<BrowserEnvironment, 'browser'>) => Promise<void>;
  readonly cleanup?: () => void;
}): BrowserEnvironment {
  const env = {} as { -readonly [K in keyof BrowserEnvironment]: BrowserEnvironment[K] };
  beforeAll(async () => {
    const executablePath = findChromium();
    if (options.callback) env.callback = await callbackServer();
    env.server = await startWorker(options.vars);
    env.db = (await env.server.mf.getD1Database('DB')) as unknown as D1Database;
    await options.prepare?.(env);
    env.browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 240_000);
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.stop();
    env.callback?.close();
    options.cleanup?.();
  });
  return env;
}
