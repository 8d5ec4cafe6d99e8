#!/usr/bin/env node
// Runs one of the project's TypeScript command-line entries under Node: bundles it with esbuild
// (into .wrangler/tmp, no network), then calls its exported `main(args)` if it has one and exits
// with the code it returns. Usage: node scripts/run-ts.mjs <entry.ts> [args...]
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <entry.ts> [args...]');
  process.exit(2);
}
const outfile = join(root, '.wrangler', 'tmp', `${basename(entry, '.ts')}.mjs`);
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [resolve(root, entry)],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  packages: 'external',
  logLevel: 'error',
});
process.chdir(root);
const module = await import(pathToFileURL(outfile).href);
if (typeof module.main === 'function') process.exitCode = await module.main(args);
