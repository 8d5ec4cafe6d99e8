/**
 * @module scripts/attestation-cli
 * `npm run attestation -- verify FILE.json [--json]`: prints the verdict and the reason for one
 * attestation sample (format: attestation/diagnose.ts). Exits 0 whatever the verdict; 2 when the
 * file cannot be read or parsed, or the command is wrong.
 */
import { readFile } from 'node:fs/promises';
import { diagnose, SampleError } from '../src/attestation/diagnose';

const USAGE = 'usage: npm run attestation -- verify FILE.json [--json]';

export async function main(args: readonly string[]): Promise<number> {
  const json = args.includes('--json');
  const [command, file, ...rest] = args.filter((a) => a !== '--json');
  if (command !== 'verify' || !file || rest.length > 0) {
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
  try {
    const verdict = await diagnose(sample);
    if (json) {
      console.log(JSON.stringify(verdict));
    } else {
      console.log(
        `${verdict.valid ? 'VALID' : 'INVALID'} (${verdict.platform}): ${verdict.reason}`,
      );
      for (const [key, value] of Object.entries(verdict)) {
        if (!['valid', 'reason', 'platform'].includes(key))
          console.log(`  ${key}: ${JSON.stringify(value)}`);
      }
      const expected = (sample as { expected?: { valid?: boolean; reason?: string } }).expected;
      if (expected) {
        const matches =
          expected.valid === verdict.valid &&
          (!expected.reason || expected.reason === verdict.reason);
        console.log(`  expected: ${JSON.stringify(expected)} (${matches ? 'matches' : 'DIFFERS'})`);
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof SampleError) {
      console.error(`bad sample ${file}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
