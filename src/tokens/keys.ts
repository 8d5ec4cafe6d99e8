/**
 * @module tokens/keys
 * The server's signing keys, from the SIGNING_KEYS secret: a JWK set of private keys, each with
 * `kid` and `alg`, newest first. Rotation without downtime (the Worker cannot write its own
 * secrets, so `npm run admin -- keys rotate` stages keys and the Cron trigger watches):
 *  - a key with `nbf` (Unix seconds) in the future is *next*: published in the JWKS, not used yet,
 *    so relying parties have cached it before the first token it signs;
 *  - the current key is the first one whose `nbf` has passed (or that has none);
 *  - earlier keys stay in the JWKS so that the tokens they signed still verify, until removed.
 *
 * @see RFC 7517 (JWK), RFC 7518 §3 (algorithms)
 */
import { createLocalJWKSet, importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { ConfigError } from '../config/errors';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** Unix seconds from which the key signs (absent: at once). */
  readonly nbf: number | undefined;
  readonly privateKey: CryptoKey;
  readonly publicJwk: Readonly<JWK>;
}

export interface KeySet {
  /** The first key: the one that signs until a staged key's `nbf` passes. */
  readonly current: SigningKey;
  readonly all: readonly SigningKey[];
  /** The public JWK set served at the JWKS endpoint. */
  readonly jwks: Readonly<{ keys: readonly JWK[] }>;
  /** Verification keys for our own JWTs, imported once per key set (jose caches each import). */
  readonly verificationKeys: ReturnType<typeof createLocalJWKSet>;
}

const SETTING = 'SIGNING_KEYS';
/** Public members per key type (RFC 7518 §6): everything else is private or irrelevant. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ['kty', 'crv', 'x', 'y'],
  RSA: ['kty', 'n', 'e'],
  OKP: ['kty', 'crv', 'x'],
};
const EXPECTED_KTY: Record<SigningAlgorithm, string> = {
  ES256: 'EC',
  RS256: 'RSA',
  PS256: 'RSA',
  EdDSA: 'OKP',
};

const cache = new Map<string, Promise<KeySet>>();

/** Parses and imports the key set (cached per secret value). Throws ConfigError when bad. */
export function loadKeySet(secret: string): Promise<KeySet> {
  let keySet = cache.get(secret);
  if (!keySet) {
    keySet = parseKeySet(secret);
    cache.set(secret, keySet);
    // A bad value must not stay cached as a rejected promise forever (the secret may be fixed).
    keySet.catch(() => cache.delete(secret));
  }
  return keySet;
}

async function parseKeySet(secret: string): Promise<KeySet> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new ConfigError(SETTING, 'must be a JSON JWK set ({"keys":[...]})');
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError(SETTING, 'must contain a non-empty "keys" array');
  }
  const all: SigningKey[] = [];
  for (const [index, jwk] of keys.entries()) {
    all.push(await importSigningKey(jwk, `${SETTING}.keys[${index}]`));
  }
  const kids = all.map((k) => k.kid);
  const duplicate = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (duplicate) throw new ConfigError(SETTING, `has the kid ${JSON.stringify(duplicate)} twice`);
  const jwks = { keys: all.map((k) => ({ ...k.publicJwk })) };
  return Object.freeze({
    current: all[0] as SigningKey,
    all: Object.freeze(all),
    jwks: Object.freeze({ keys: Object.freeze(all.map((k) => k.publicJwk)) }),
    verificationKeys: createLocalJWKSet(jwks),
  });
}

async function importSigningKey(value: unknown, name: string): Promise<SigningKey> {
  if (typeof value !== 'object' || value === null) throw new ConfigError(name, 'must be a JWK');
  const jwk = value as JWK;
  if (typeof jwk.kid !== 'string' || jwk.kid === '') {
    throw new ConfigError(`${name}.kid`, 'must be a non-empty string');
  }
  const alg = jwk.alg as SigningAlgorithm;
  if (!SIGNING_ALGORITHMS.includes(alg)) {
    throw new ConfigError(`${name}.alg`, `must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  }
  if (jwk.kty !== EXPECTED_KTY[alg]) {
    throw new ConfigError(`${name}.kty`, `must be ${EXPECTED_KTY[alg]} for ${alg}`);
  }
  if (typeof jwk.d !== 'string') throw new ConfigError(name, 'must be a private key (no "d")');
  let privateKey: CryptoKey;
  try {
    privateKey = (await importJWK(jwk, alg)) as CryptoKey;
  } catch (cause) {
    throw new ConfigError(name, `is not a valid ${alg} key (${(cause as Error).message})`);
  }
  const publicJwk: JWK = { kid: jwk.kid, use: 'sig', alg };
  for (const member of PUBLIC_MEMBERS[jwk.kty] ?? []) {
    (publicJwk as Record<string, unknown>)[member] = (jwk as Record<string, unknown>)[member];
  }
  const nbf = (jwk as { nbf?: unknown }).nbf;
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isInteger(nbf) || nbf < 0)) {
    throw new ConfigError(`${name}.nbf`, 'must be a Unix time in seconds');
  }
  return Object.freeze({
    kid: jwk.kid,
    alg,
    nbf: nbf as number | undefined,
    privateKey,
    publicJwk: Object.freeze(publicJwk),
  });
}

/** The key that signs at `now`: the first whose `nbf` has passed (staged keys wait their turn). */
export function signingKeyAt(keySet: KeySet, now: number): SigningKey {
  return keySet.all.find((key) => key.nbf === undefined || key.nbf <= now) ?? keySet.current;
}

/** Signs a JWT with the key of the moment; `typ` is the media type of the token (e.g. `at+jwt`). */
export function signJwt(
  keySet: KeySet,
  payload: JWTPayload,
  typ: string,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  const current = signingKeyAt(keySet, now);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: current.alg, kid: current.kid, typ })
    .sign(current.privateKey);
}
