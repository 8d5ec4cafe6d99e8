/**
 * The crypto floor, measured inside workerd beside the Worker: the signature operations each
 * benchmarked job cannot avoid, done `n` times with keys imported once. The harness reads the
 * workerd CPU time around each call.
 */
interface Fixture {
  es256: { privateJwk: JsonWebKey; publicJwk: JsonWebKey };
  rsa4096: { spki: string; data: string; signature: string };
  p384: { spki: string; data: string; signature: string };
  p256: { spki: string; data: string; signature: string };
}

const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
let ready: Promise<Record<string, () => Promise<unknown>>> | undefined;

async function prepare(fixture: Fixture): Promise<Record<string, () => Promise<unknown>>> {
  const es = { name: 'ECDSA', namedCurve: 'P-256' };
  const esSign = await crypto.subtle.importKey('jwk', fixture.es256.privateJwk, es, false, [
    'sign',
  ]);
  const esVerify = await crypto.subtle.importKey('jwk', fixture.es256.publicJwk, es, false, [
    'verify',
  ]);
  const payload = new TextEncoder().encode('x'.repeat(420));
  const esSignature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, esSign, payload);
  const rsa = await crypto.subtle.importKey(
    'spki',
    bytes(fixture.rsa4096.spki),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const p384 = await crypto.subtle.importKey(
    'spki',
    bytes(fixture.p384.spki),
    { name: 'ECDSA', namedCurve: 'P-384' },
    false,
    ['verify'],
  );
  const p256 = await crypto.subtle.importKey('spki', bytes(fixture.p256.spki), es, false, [
    'verify',
  ]);
  const pbkdf2Key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode('Password1'),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const check = async (ok: Promise<boolean>) => {
    if (!(await ok)) throw new Error('floor verification failed');
  };
  return {
    es256_sign: () => crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, esSign, payload),
    es256_verify: () =>
      check(
        crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, esVerify, esSignature, payload),
      ),
    rsa4096_verify: () =>
      check(
        crypto.subtle.verify(
          'RSASSA-PKCS1-v1_5',
          rsa,
          bytes(fixture.rsa4096.signature),
          bytes(fixture.rsa4096.data),
        ),
      ),
    p384_verify: () =>
      check(
        crypto.subtle.verify(
          { name: 'ECDSA', hash: 'SHA-256' },
          p384,
          bytes(fixture.p384.signature),
          bytes(fixture.p384.data),
        ),
      ),
    p256_verify: () =>
      check(
        crypto.subtle.verify(
          { name: 'ECDSA', hash: 'SHA-256' },
          p256,
          bytes(fixture.p256.signature),
          bytes(fixture.p256.data),
        ),
      ),
    pbkdf2: () =>
      crypto.subtle.deriveBits(
        { name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: 100_000 },
        pbkdf2Key,
        256,
      ),
  };
}

export default {
  async fetch(request: Request, env: { FIXTURE: string }): Promise<Response> {
    const url = new URL(request.url);
    ready ??= prepare(JSON.parse(env.FIXTURE) as Fixture);
    const ops = await ready;
    const op = ops[url.searchParams.get('op') ?? ''];
    if (!op) return new Response('unknown op', { status: 404 });
    const n = Number(url.searchParams.get('n') ?? '1');
    for (let i = 0; i < n; i++) await op();
    return new Response('ok');
  },
};
