// `npm run attestation -- verify FILE.json` decides as the server decides (issue #22 §2): the
// policy as written in ATTESTATION (parsed by the server's parser, unknown keys refused) or named
// from a configuration, the status list, App Attest assertions with their stored key and counter;
// the output carries the attested key and the AAT's evidence; the exit status is the verdict.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/attestation/x509/certificate';
import { decodeBase64 } from '../../src/crypto/pem';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['scripts/run-ts.mjs', 'scripts/attestation-cli.ts', ...args], {
    encoding: 'utf8',
  });
const dir = mkdtempSync(join(tmpdir(), 'edge-haapi-attestation-'));
function sampleFile(name: string, sample: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(sample));
  return file;
}
const good = JSON.parse(readFileSync('test/vectors/cli/android-pixel9a-good.json', 'utf8'));

describe('attestation diagnostic CLI', () => {
  for (const file of readdirSync('test/vectors/cli')) {
    it(`${file}: one JSON line with the expected verdict and reason, exit status by verdict`, () => {
      const sample = JSON.parse(readFileSync(`test/vectors/cli/${file}`, 'utf8'));
      const result = run('verify', `test/vectors/cli/${file}`, '--json');
      expect(result.status).toBe(sample.expected.valid ? 0 : 1);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const verdict = JSON.parse(lines[0] as string);
      expect(verdict).toMatchObject({
        valid: sample.expected.valid,
        reason: sample.expected.reason,
        platform: sample.platform,
      });
      if (verdict.valid) {
        expect(verdict.attestedKey.jkt).toMatch(/^[\w-]{43}$/);
        expect(verdict.evidence.platform).toBe(sample.platform);
      }
    });
  }

  it('a production policy as written in ATTESTATION meets the real software attestation: untrusted_root', () => {
    const result = run(
      'verify',
      'test/vectors/cli/android-software-attestation-production-policy.json',
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('INVALID (android, policy sample): untrusted_root');
  });

  it('prints the attested key and the evidence without --json', () => {
    const result = run('verify', 'test/vectors/cli/android-pixel9a-good.json');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("(the AAT's cnf.jkt)");
    expect(result.stdout).toContain('att.securityLevel: "TrustedEnvironment"');
    expect(result.stdout).toContain('(matches)');
  });

  it('a revoked certificate in the status list (as the Cron trigger reads it): revoked', () => {
    const intermediate = parseCertificate(decodeBase64(good.x5c[1]) as Uint8Array);
    const file = sampleFile('revoked.json', {
      ...good,
      statusList: {
        entries: { [intermediate.serialHex]: { status: 'REVOKED', reason: 'KEY_COMPROMISE' } },
      },
    });
    const verdict = JSON.parse(run('verify', file, '--json').stdout);
    expect(verdict).toMatchObject({ valid: false, reason: 'revoked' });
  });

  it('refuses a misspelt policy option as the server would (exit 2)', () => {
    const policy = { ...good.policy, minSecuritylevel: 'StrongBox' };
    const result = run('verify', sampleFile('typo.json', { ...good, policy }), '--json');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('policy.sample.minSecuritylevel is not an option here');
  });

  it('names a policy of a configuration (--config): the demo android-dev policy', () => {
    const { policy: _policy, ...rest } = good;
    const file = sampleFile('named.json', { ...rest, policyId: 'android-dev' });
    const vars = sampleFile('dev.vars', '');
    const result = run('verify', file, '--json', '--config', 'wrangler.toml', '--dev-vars', vars);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      reason: 'package_mismatch',
      policy: 'android-dev',
    });
    expect(run('verify', file, '--json').status).toBe(2);
  });

  it('--help, and exit 2 on unreadable files, non-samples and wrong commands', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Exit status: 0 valid, 1 invalid, 2 bad input.');
    expect(run('verify', 'test/vectors/cli/missing.json', '--json').status).toBe(2);
    expect(run('verify', 'package.json', '--json').status).toBe(2);
    expect(run('frobnicate').status).toBe(2);
  }, 30_000);
});
