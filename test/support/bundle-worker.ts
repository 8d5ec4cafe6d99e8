/**
 * Bundles a Worker entry for the Miniflare API (browser tests, benchmarks), the way wrangler
 * would: ESM, workerd/worker conditions, `cloudflare:*` modules left to the runtime. Node only.
 */
import { build } from 'esbuild';

export async function bundleWorker(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    outfile,
    logLevel: 'error',
  });
}
