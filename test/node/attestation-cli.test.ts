// `npm run attestation -- verify FILE.json [--json]` on good and bad samples (test/vectors/cli/,
// made from the shared real-device vectors).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['scripts/run-ts.mjs', 'scripts/attestation-cli.ts', ...args], {
    encoding: 'utf8',
  });

describe('attestation diagnostic CLI', () => {
  for (const file of readdirSync('test/vectors/cli')) {
    it(`${file}: one JSON line with the expected verdict and reason, exit 0`, () => {
      const sample = JSON.parse(readFileSync(`test/vectors/cli/${file}`, 'utf8'));
      const out = execFileSync(
        process.execPath,
        [
          'scripts/run-ts.mjs',
          'scripts/attestation-cli.ts',
          'verify',
          `test/vectors/cli/${file}`,
          '--json',
        ],
        { encoding: 'utf8' },
      );
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(1);
      const verdict = JSON.parse(lines[0] as string);
      expect(verdict).toMatchObject({
        valid: sample.expected.valid,
        reason: sample.expected.reason,
        platform: sample.platform,
      });
    });
  }

  it('prints a readable verdict without --json', () => {
    const result = run('verify', 'test/vectors/cli/android-pixel9a-wrong-package.json');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('INVALID (android): package_mismatch');
    expect(result.stdout).toContain('(matches)');
  });

  it('exits non-zero when the file cannot be read or is not a sample', () => {
    expect(run('verify', 'test/vectors/cli/missing.json', '--json').status).toBe(2);
    expect(run('verify', 'package.json', '--json').status).toBe(2);
    expect(run('frobnicate').status).toBe(2);
  });
});
