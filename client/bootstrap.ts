/**
 * @module client/bootstrap
 * Getting the HAAPI access token (AAT), as Curity's SDKs do (docs/haapi-protocol.md §2): attestation
 * first; when it fails and a fallback is configured, dynamic client registration (§2.3) with the
 * main client's credential (client secret, private_key_jwt or an mTLS certificate), then the AAT
 * with the dynamic client. The dynamic client (id, secret and its device key) is kept in a store and
 * reused on later runs without registering again.
 */
import { decodeJwt, type JWK, SignJWT } from 'jose';
import { DpopKey } from './dpop';
import { jsonOrThrow, OAuthResponseError } from './errors';
import { DpopHttp, type Fetch, formBody } from './http';

export const HAAPI_SCOPE = 'urn:se:curity:scopes:haapi';
const ATTESTATION_ASSERTION = 'urn:se:curity:attestation:client';

/** Answers the server's attestation challenge for `key` (the JSON `challenge_response`). */
export type Attester = (challenge: string, key: DpopKey) => Promise<string>;

/** How the main client authenticates to get an initial access token for registration. */
export type MainClientCredential =
  | { readonly method: 'client_secret_basic'; readonly secret: string }
  | {
      readonly method: 'private_key_jwt';
      readonly privateKey: CryptoKey;
      readonly kid: string;
      readonly alg: 'RS256' | 'PS256' | 'ES256';
    }
  | {
      /** The certificate is presented by the transport; `headers` carries it where TLS cannot. */
      readonly method: 'tls_client_auth';
      readonly headers: Record<string, string>;
    };

export interface StoredClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly deviceKey: JWK;
}

/** Where a device keeps its dynamic client (the app's secure storage; a file in the demo). */
export interface ClientStore {
  load(): Promise<StoredClient | null>;
  save(client: StoredClient): Promise<void>;
  clear(): Promise<void>;
}

export interface Endpoints {
  readonly issuer: string;
  readonly token: string;
  readonly cat: string;
  readonly registration: string;
  readonly authorization: string;
}

export async function discover(fetch: Fetch, issuer: string): Promise<Endpoints> {
  const res = await fetch(new Request(`${issuer}/.well-known/openid-configuration`));
  const metadata = await jsonOrThrow<{
    token_endpoint: string;
    registration_endpoint: string;
    authorization_endpoint: string;
  }>(res);
  return {
    issuer,
    token: metadata.token_endpoint,
    cat: `${metadata.token_endpoint}/cat`,
    registration: metadata.registration_endpoint,
    authorization: metadata.authorization_endpoint,
  };
}

export interface BootstrapOptions {
  readonly fetch: Fetch;
  readonly endpoints: Endpoints;
  /** The app's client id (the attested client, and the main client of the fallback). */
  readonly clientId: string;
  readonly attester?: Attester;
  /** The DPoP key to attest (Android attests its DPoP key); a new one by default. */
  readonly key?: DpopKey;
  readonly fallback?: {
    readonly templateId: string;
    readonly credential: MainClientCredential;
    readonly store: ClientStore;
  };
  /** Progress, for readable output. */
  readonly onEvent?: (event: string, detail?: string) => void;
}

export type BootstrapPath = 'attestation' | 'dcr-registered' | 'dcr-stored';

/** Client authentication for a token request (the code exchange): headers and form fields. */
export interface TokenAuth {
  readonly headers: Record<string, string>;
  readonly form: Record<string, string>;
}

export interface Bootstrapped {
  readonly aat: string;
  /** Authenticates this client at the token endpoint again (a fresh CAT, or the dynamic secret). */
  readonly tokenAuth: () => Promise<TokenAuth>;
  readonly clientId: string;
  readonly key: DpopKey;
  readonly http: DpopHttp;
  readonly path: BootstrapPath;
  readonly cal: string | undefined;
  /** Why attestation was not used, when the fallback was taken. */
  readonly attestationError?: string;
}

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}

function calOf(token: string): string | undefined {
  const cal = decodeJwt(token).cal;
  return typeof cal === 'string' ? cal : undefined;
}

/** Challenge → attester → client attestation token (single use, bound to the DPoP key). */
async function newCat(options: BootstrapOptions, http: DpopHttp, attester: Attester) {
  const { endpoints, clientId } = options;
  const catUrl = `${endpoints.cat}?client_id=${encodeURIComponent(clientId)}`;
  const { challenge } = await jsonOrThrow<{ challenge: string }>(
    await options.fetch(new Request(catUrl, { headers: { Accept: 'application/json' } })),
  );
  options.onEvent?.('challenge', `${challenge.slice(0, 12)}…`);
  const response = await attester(challenge, http.key);
  const { cat } = await jsonOrThrow<{ cat: string }>(
    await options.fetch(
      new Request(catUrl, {
        method: 'POST',
        ...formBody({ challenge, challenge_response: response }),
      }),
    ),
  );
  options.onEvent?.('cat', 'client attestation token');
  return cat;
}

async function attest(options: BootstrapOptions, http: DpopHttp, attester: Attester) {
  const cat = await newCat(options, http, attester);
  const res = await http.send(options.endpoints.token, {
    method: 'POST',
    ...formBody({
      grant_type: 'client_credentials',
      scope: HAAPI_SCOPE,
      client_assertion_type: ATTESTATION_ASSERTION,
      client_assertion: cat,
    }),
  });
  return (await jsonOrThrow<TokenResponse>(res)).access_token;
}

function secretAuth(stored: StoredClient): () => Promise<TokenAuth> {
  return async () => ({
    headers: { Authorization: `Basic ${btoa(`${stored.clientId}:${stored.clientSecret}`)}` },
    form: {},
  });
}

async function clientAssertion(
  credential: Extract<MainClientCredential, { method: 'private_key_jwt' }>,
  clientId: string,
  audience: string,
): Promise<string> {
  return new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: credential.alg, kid: credential.kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(credential.privateKey);
}

/** Client authentication of the main client for the token endpoint (headers and form fields). */
async function mainClientAuth(
  credential: MainClientCredential,
  clientId: string,
  endpoints: Endpoints,
): Promise<{ headers: Record<string, string>; form: Record<string, string> }> {
  switch (credential.method) {
    case 'client_secret_basic':
      return {
        headers: { Authorization: `Basic ${btoa(`${clientId}:${credential.secret}`)}` },
        form: {},
      };
    case 'private_key_jwt':
      return {
        headers: {},
        form: {
          client_id: clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await clientAssertion(credential, clientId, endpoints.issuer),
        },
      };
    case 'tls_client_auth':
      return { headers: { ...credential.headers }, form: { client_id: clientId } };
  }
}

async function register(
  options: BootstrapOptions,
  fallback: NonNullable<BootstrapOptions['fallback']>,
  http: DpopHttp,
): Promise<StoredClient> {
  const { endpoints, clientId } = options;
  const auth = await mainClientAuth(fallback.credential, clientId, endpoints);
  const form = formBody({ grant_type: 'client_credentials', scope: 'dcr', ...auth.form });
  const iat = await jsonOrThrow<TokenResponse>(
    await options.fetch(
      new Request(endpoints.token, {
        method: 'POST',
        headers: { ...form.headers, ...auth.headers },
        body: form.body,
      }),
    ),
  );
  options.onEvent?.('initial-access-token', fallback.credential.method);
  // The registration carries a DPoP proof: the dynamic client is bound to this device key.
  const mtlsHeaders = fallback.credential.method === 'tls_client_auth' ? auth.headers : {};
  const res = await http.send(endpoints.registration, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${iat.access_token}`,
      ...mtlsHeaders,
    },
    body: JSON.stringify({ software_id: fallback.templateId }),
    boundToken: iat.access_token,
  });
  const registered = await jsonOrThrow<{ client_id: string; client_secret: string }>(res);
  options.onEvent?.('registered', registered.client_id);
  const stored = {
    clientId: registered.client_id,
    clientSecret: registered.client_secret,
    deviceKey: await http.key.exportPrivate(),
  };
  await fallback.store.save(stored);
  return stored;
}

async function dynamicClientAat(endpoints: Endpoints, http: DpopHttp, stored: StoredClient) {
  const form = formBody({ grant_type: 'client_credentials', scope: HAAPI_SCOPE });
  const res = await http.send(endpoints.token, {
    method: 'POST',
    headers: {
      ...form.headers,
      Authorization: `Basic ${btoa(`${stored.clientId}:${stored.clientSecret}`)}`,
    },
    body: form.body,
  });
  return (await jsonOrThrow<TokenResponse>(res)).access_token;
}

/** Attestation first; the DCR fallback when attestation fails (or there is no attester). */
export async function bootstrap(options: BootstrapOptions): Promise<Bootstrapped> {
  let attestationError: string | undefined;
  if (options.attester) {
    const key = options.key ?? (await DpopKey.generate());
    const http = new DpopHttp(options.fetch, key);
    try {
      const attester = options.attester;
      const aat = await attest(options, http, attester);
      const tokenAuth = async () => ({
        headers: {},
        form: {
          client_assertion_type: ATTESTATION_ASSERTION,
          client_assertion: await newCat(options, http, attester),
        },
      });
      const path = 'attestation' as const;
      return { aat, tokenAuth, clientId: options.clientId, key, http, path, cal: calOf(aat) };
    } catch (err) {
      if (!(err instanceof OAuthResponseError) || !options.fallback) throw err;
      attestationError = err.message;
      options.onEvent?.('attestation-refused', err.message);
    }
  }
  const fallback = options.fallback;
  if (!fallback) throw new Error('no attester and no fallback configured');
  const stored = await fallback.store.load();
  if (stored) {
    const key = await DpopKey.importPrivate(stored.deviceKey);
    const http = new DpopHttp(options.fetch, key);
    try {
      const aat = await dynamicClientAat(options.endpoints, http, stored);
      options.onEvent?.('reused', stored.clientId);
      const path = 'dcr-stored' as const;
      const tokenAuth = secretAuth(stored);
      const clientId = stored.clientId;
      return { aat, tokenAuth, clientId, key, http, path, cal: calOf(aat), attestationError };
    } catch (err) {
      // A dynamic client that was deleted or expired: register again.
      if (!(err instanceof OAuthResponseError) || err.error !== 'invalid_client') throw err;
      await fallback.store.clear();
    }
  }
  const key = await DpopKey.generate();
  const http = new DpopHttp(options.fetch, key);
  const registered = await register(options, fallback, http);
  const aat = await dynamicClientAat(options.endpoints, http, registered);
  return {
    aat,
    tokenAuth: secretAuth(registered),
    clientId: registered.clientId,
    key,
    http,
    path: 'dcr-registered',
    cal: calOf(aat),
    attestationError,
  };
}
