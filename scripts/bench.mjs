#!/usr/bin/env node
// `npm run bench`: bundles bench/bench.ts for Node (esbuild, no network) and runs it.
// BENCH_QUICK=1 runs fewer units (a smoke run).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, '.wrangler', 'tmp', 'bench.mjs');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'bench', 'bench.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  packages: 'external',
  logLevel: 'error',
});
process.chdir(root);
await import(pathToFileURL(outfile).href);
