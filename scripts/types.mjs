#!/usr/bin/env node
// `npm run types`: regenerates worker-configuration.d.ts from wrangler.toml. Local secrets in
// .dev.vars are kept out of it (they are declared in src/secrets.d.ts), so the committed file is
// the same on every machine.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';

// An output path other than worker-configuration.d.ts lets a test compare without writing.
const out = process.argv[2] ?? 'worker-configuration.d.ts';
const aside = existsSync('.dev.vars');
if (aside) renameSync('.dev.vars', '.dev.vars.types-aside');
try {
  execFileSync(
    process.execPath,
    [
      'node_modules/wrangler/bin/wrangler.js',
      'types',
      '--include-runtime=false',
      '--strict-vars=false',
      out,
    ],
    { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
} finally {
  if (aside) renameSync('.dev.vars.types-aside', '.dev.vars');
}
