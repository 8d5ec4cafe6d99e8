/**
 * Shared pieces of the property-based fuzz tests (fast-check): how many cases (FUZZ_RUNS: a fast
 * profile in `npm test`, ≥ 10,000 in `npm run soak`), byte mutations of valid inputs, JWT-shaped
 * strings, the "standard error" assertion and a digest of everything D1 stores.
 */
import { createExecutionContext, env } from 'cloudflare:test';
import fc from 'fast-check';
import { expect } from 'vitest';
import worker from '../../src/index';

export const RUNS = Number(env.FUZZ_RUNS || '40');
/** fast-check parameters: the run count, and no time-based shrinking surprises. */
export const params = { numRuns: RUNS, endOnFailure: true } as const;
/** A test's time limit for RUNS cases of a few requests each. */
export const TIMEOUT = Math.max(60_000, RUNS * 400);

/** A valid input with a few bytes changed, some truncated or extended: near misses. */
export function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc
      .array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      })
      .map((edits) => {
        const copy = valid.slice();
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      }),
    fc.nat({ max: valid.length - 1 }).map((end) => valid.slice(0, end)),
    fc.uint8Array({ maxLength: 16 }).map((tail) => {
      const out = new Uint8Array(valid.length + tail.length);
      out.set(valid);
      out.set(tail, valid.length);
      return out;
    }),
    fc.uint8Array({ maxLength: 512 }),
  );
}

const b64url = (text: string) =>
  btoa(unescape(encodeURIComponent(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** Strings shaped like JWTs (three segments, JSON header and payload of anything) and not. */
export const jwtish: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom('ES256', 'RS256', 'none', 'HS256', 'EdDSA').map((alg) => ({ alg })),
        fc.constantFrom('dpop+jwt', 'JWT', 'at+jwt').map((typ) => ({ typ, alg: 'ES256' })),
        fc.object(),
      ),
      fc.oneof(fc.object(), fc.jsonValue()),
      fc.string(),
    )
    .map(([header, payload, signature]) =>
      [b64url(JSON.stringify(header)), b64url(JSON.stringify(payload)), b64url(signature)].join(
        '.',
      ),
    ),
  fc.string(),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,40}(\.[A-Za-z0-9_-]{0,40}){0,4}$/),
);

/** Printable header values (the Fetch API refuses control characters itself). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,200}$/),
  jwtish.filter((s) => /^[\x20-\x7e]*$/.test(s)),
  fc.constantFrom('Basic', 'Basic Og==', 'Bearer', 'DPoP', 'DPoP a.b.c', 'Basic %%%'),
  fc
    .tuple(fc.constantFrom('Basic ', 'Bearer ', 'DPoP '), fc.stringMatching(/^[\x21-\x7e]{0,120}$/))
    .map(([a, b]) => a + b),
);

/** A 4xx with a standard body: OAuth error JSON, or problem+json. */
export async function expectStandardError(res: Response, context: string): Promise<void> {
  expect(res.status, context).toBeGreaterThanOrEqual(400);
  expect(res.status, context).toBeLessThan(500);
  const type = (res.headers.get('Content-Type') ?? '').split(';')[0];
  const text = await res.text();
  expect(text, context).not.toMatch(/\bat [\w.]+ \(|Error: /);
  if (type === 'application/problem+json') {
    expect(JSON.parse(text), context).toHaveProperty('type');
  } else if (type === 'text/html') {
    // HTML flows show problems as pages.
    expect(text, context).toMatch(/<!doctype html>/i);
  } else {
    expect(type, context).toBe('application/json');
    expect(JSON.parse(text), context).toHaveProperty('error');
  }
}

/** Never a 5xx; anything that is not a success is a standard error. */
export async function expectNoServerError(res: Response, context: string): Promise<void> {
  expect(res.status, context).toBeLessThan(500);
  if (res.status >= 400) await expectStandardError(res, context);
  else await res.body?.cancel();
}

/** A digest of every row D1 stores (the fuzzed requests must not change it). */
export async function storedState(): Promise<string> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  const names = results.map((r) => r.name);
  const parts: string[] = [];
  for (const name of names.sort()) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    parts.push(`${name}:${JSON.stringify(rows.results)}`);
  }
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(parts.join('\n')));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Calls the Worker's fetch handler directly, as the other tests do. (Going through the runtime's
 * `exports.default` made every call of a long run slower than the one before in the test
 * harness: thousands of cases would take minutes.)
 */
export async function fuzzCall(path: string, init?: RequestInit): Promise<Response> {
  return worker.fetch(
    new Request(new URL(path, env.ISSUER), init) as unknown as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    env,
    createExecutionContext(),
  );
}
