/**
 * @module scripts/attestation-cli
 * `npm run attestation -- verify FILE.json [--json] [--config wrangler.toml [--dev-vars FILE]]`:
 * decides one attestation sample exactly as the server would (sample format:
 * src/attestation/diagnose.ts) and prints the verdict, the reason, the attested key and the
 * evidence the AAT would carry. With --config, a sample may name a policy of that configuration
 * (`policyId`), which is read with its DEV_ATTESTATION_ROOTS as the server reads them.
 * Exit status: 0 valid, 1 invalid, 2 bad input (unreadable file, bad sample, wrong command).
 */
import { readFile } from 'node:fs/promises';
import { diagnose, SampleError } from '../src/attestation/diagnose';
import type { AttestationPolicy } from '../src/attestation/policies';
import { definitions } from '../src/config/definitions';
import { ConfigError } from '../src/config/errors';
import { withDevelopmentRoots } from '../src/config/settings';
import { effectiveVars } from './check-settings';

const USAGE = `usage: npm run attestation -- verify FILE.json [--json] [--config wrangler.toml [--dev-vars .dev.vars]]

Decides the attestation sample in FILE.json as the server would and prints the verdict.
  --json       one JSON line: {valid, reason, platform, policy, attestedKey, evidence}
  --config     read policies from this wrangler.toml (and its .dev.vars), for samples that
               name one with "policyId"
Exit status: 0 valid, 1 invalid, 2 bad input.`;

/** The ATTESTATION policies of a configuration, with its development roots, as the server has them. */
function configuredPolicies(
  config: string,
  devVars: string,
): ReadonlyMap<string, AttestationPolicy> {
  const { vars } = effectiveVars([], config, devVars);
  const policies = definitions.attestation.parse(
    vars.ATTESTATION ?? (definitions.attestation.default as string),
    definitions.attestation.name,
  );
  const pems = definitions.devAttestationRoots.parse(
    vars.DEV_ATTESTATION_ROOTS ?? '',
    definitions.devAttestationRoots.name,
  );
  return withDevelopmentRoots(policies, pems);
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const json = args.includes('--json');
  if (json) args.splice(args.indexOf('--json'), 1);
  const config = option(args, '--config');
  const devVars = option(args, '--dev-vars') ?? '.dev.vars';
  const [command, file, ...rest] = args;
  if (command !== 'verify' || !file || rest.length > 0 || (args.includes('--config') && !config)) {
    console.error(USAGE);
    return 2;
  }
  let sample: unknown;
  try {
    sample = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  let verdict: Awaited<ReturnType<typeof diagnose>>;
  try {
    verdict = await diagnose(sample, config ? configuredPolicies(config, devVars) : undefined);
  } catch (err) {
    if (err instanceof SampleError || err instanceof ConfigError) {
      console.error(`bad sample ${file}: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (json) {
    console.log(JSON.stringify(verdict));
  } else {
    console.log(
      `${verdict.valid ? 'VALID' : 'INVALID'} (${verdict.platform}, policy ${verdict.policy}): ${verdict.reason}`,
    );
    if (verdict.attestedKey) {
      console.log(`  attested key (SPKI): ${verdict.attestedKey.spki}`);
      const binding =
        verdict.platform === 'android'
          ? "the AAT's cnf.jkt"
          : 'the App Attest key; the AAT binds the DPoP key the challenge response names';
      console.log(`  JWK thumbprint: ${verdict.attestedKey.jkt} (${binding})`);
    }
    if (verdict.counter !== undefined) console.log(`  counter: ${verdict.counter}`);
    for (const [key, value] of Object.entries(verdict.evidence ?? {}))
      console.log(`  att.${key}: ${JSON.stringify(value)}`);
    const expected = (sample as { expected?: { valid?: boolean; reason?: string } }).expected;
    if (expected) {
      const matches =
        expected.valid === verdict.valid &&
        (!expected.reason || expected.reason === verdict.reason);
      console.log(`  expected: ${JSON.stringify(expected)} (${matches ? 'matches' : 'DIFFERS'})`);
    }
  }
  return verdict.valid ? 0 : 1;
}
