// Property-based fuzzing of every endpoint through the Worker: forms, JSON bodies, queries and the
// Authorization, DPoP and Session-Id headers, from near-valid to random. Every answer is a success
// or a standard 4xx (OAuth error JSON, problem+json, or an HTML error page for browser flows),
// never a 5xx or a stack trace, and no case changes what D1 stores. FUZZ_RUNS cases per property.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/crypto/random';
import { hashGeneratedSecret } from '../../src/crypto/secret-hash';
import { basic } from '../support/clients';
import {
  fuzzCall as call,
  expectNoServerError,
  headerValue,
  jwtish,
  params,
  storedState,
  TIMEOUT,
} from '../support/fuzz';
import {
  authorizationRequest,
  HaapiTestClient,
  insertSecretHaapiClient,
} from '../support/haapi-client';

const KNOWN_CLIENTS = [
  'demo-backend',
  'haapi-android-client',
  'haapi-ios-client',
  'haapi-web-client',
  'haapi-template-client',
];
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  jwtish,
  fc.constantFrom(
    ...KNOWN_CLIENTS,
    'app://haapi',
    'openid',
    'urn:se:curity:scopes:haapi',
    'dcr',
    'S256',
    'Password1',
  ),
);
const TOKEN_FIELDS = [
  'grant_type',
  'client_id',
  'client_secret',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'scope',
  'client_assertion',
  'client_assertion_type',
  'token',
  'token_type_hint',
];
const grantTypes = fc.constantFrom(
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'password',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
);
const formOf = (fields: string[]) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 12 })), text, {
    maxKeys: 8,
  });
const headersOf = fc.record(
  {
    Authorization: headerValue,
    DPoP: headerValue,
    'Session-Id': headerValue,
    Accept: fc.constantFrom('application/json', 'application/vnd.auth+json', 'text/html', '*/*'),
    'Content-Type': fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
    ),
  },
  { requiredKeys: [] },
);

function encode(contentType: string | undefined, body: Record<string, string>): string {
  return contentType === 'application/json'
    ? JSON.stringify(body)
    : new URLSearchParams(body).toString();
}

let before: string;
beforeAll(async () => {
  before = await storedState();
});

async function unchanged() {
  expect(await storedState()).toBe(before);
}

describe('Fuzz: endpoints answer bad input with a standard 4xx and change nothing', () => {
  it(
    'token endpoint (every grant, client authentication, DPoP)',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          formOf(TOKEN_FIELDS),
          grantTypes,
          headersOf,
          async (body, grant, headers) => {
            const res = await call('/oauth/v2/oauth-token', {
              method: 'POST',
              headers,
              body: encode(headers['Content-Type'], { grant_type: grant, ...body }),
            });
            await expectNoServerError(res, `token ${JSON.stringify({ body, headers })}`);
          },
        ),
        params,
      );
      await unchanged();
    },
    TIMEOUT,
  );

  it(
    'attestation challenge and CAT endpoints',
    async () => {
      const response = fc.oneof(
        text,
        fc
          .record(
            {
              platform: fc.constantFrom('android', 'ios', 'web', 'x'),
              x5c: fc.array(fc.base64String({ maxLength: 200 }), { maxLength: 4 }),
              keyId: fc.base64String({ maxLength: 60 }),
              attestation: fc.base64String({ maxLength: 300 }),
              assertion: fc.base64String({ maxLength: 200 }),
              jkt: fc.string({ maxLength: 50 }),
              origin: fc.string({ maxLength: 50 }),
            },
            { requiredKeys: ['platform'] },
          )
          .map((v) => JSON.stringify(v)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...KNOWN_CLIENTS, 'nobody'),
          fc.oneof(text, fc.constant('')),
          response,
          headersOf,
          async (clientId, challenge, challengeResponse, headers) => {
            const url = `/oauth/v2/oauth-token/cat?client_id=${encodeURIComponent(clientId)}`;
            await expectNoServerError(
              await call(url, { headers: { Accept: headers.Accept ?? 'application/json' } }),
              `cat GET ${clientId}`,
            );
            const res = await call(url, {
              method: 'POST',
              headers,
              body: encode(headers['Content-Type'], {
                challenge,
                challenge_response: challengeResponse,
              }),
            });
            await expectNoServerError(res, `cat POST ${challengeResponse.slice(0, 200)}`);
          },
        ),
        params,
      );
      await unchanged();
    },
    TIMEOUT,
  );

  it(
    'registration and its management (RFC 7591, 7592)',
    async () => {
      const metadata = fc.dictionary(
        fc.oneof(
          fc.constantFrom(
            'software_id',
            'client_name',
            'redirect_uris',
            'grant_types',
            'jwks',
            'scope',
            'token_endpoint_auth_method',
          ),
          fc.string({ maxLength: 10 }),
        ),
        fc.jsonValue(),
        { maxKeys: 6 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            metadata.map((m) => JSON.stringify(m)),
            fc.string(),
          ),
          headersOf,
          fc.constantFrom('GET', 'PUT', 'DELETE'),
          fc.string({ maxLength: 30 }),
          async (body, headers, method, id) => {
            const res = await call('/oauth/v2/oauth-registration', {
              method: 'POST',
              headers,
              body,
            });
            await expectNoServerError(res, `register ${body.slice(0, 200)}`);
            const managed = await call(
              `/oauth/v2/oauth-registration/${encodeURIComponent(id) || 'x'}`,
              { method, headers, body: method === 'PUT' ? body : undefined },
            );
            await expectNoServerError(managed, `manage ${method}`);
          },
        ),
        params,
      );
      await unchanged();
    },
    TIMEOUT,
  );

  it(
    'introspection, revocation, userinfo, devices, end session and the admin API',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          formOf([
            'token',
            'token_type_hint',
            'client_id',
            'client_secret',
            'id_token_hint',
            'post_logout_redirect_uri',
            'state',
            'confirm',
          ]),
          headersOf,
          fc.boolean(),
          async (body, headers, authenticated) => {
            const auth = authenticated ? { Authorization: basic('demo-backend', 'Password1') } : {};
            const init = (extra = {}) => ({
              method: 'POST',
              headers: { ...headers, ...extra },
              body: encode(headers['Content-Type'], body),
            });
            const context = JSON.stringify({ body, headers });
            await expectNoServerError(
              await call('/oauth/v2/oauth-introspect', init(auth)),
              context,
            );
            await expectNoServerError(await call('/oauth/v2/oauth-revoke', init(auth)), context);
            await expectNoServerError(await call('/oauth/v2/oauth-userinfo', { headers }), context);
            await expectNoServerError(await call('/webauthn/devices', { headers }), context);
            await expectNoServerError(
              await call('/webauthn/devices/x', { method: 'DELETE', headers }),
              context,
            );
            await expectNoServerError(await call('/admin/clients', { headers }), context);
            const logout = '/oauth/v2/oauth-session/logout';
            await expectNoServerError(await call(logout, init()), context);
            await expectNoServerError(
              await call(`${logout}?${new URLSearchParams(body)}`, { headers, redirect: 'manual' }),
              context,
            );
          },
        ),
        params,
      );
      await unchanged();
    },
    TIMEOUT,
  );

  it(
    'authorization endpoint, browser and HAAPI',
    async () => {
      const query = fc.dictionary(
        fc.oneof(
          fc.constantFrom(
            'client_id',
            'response_type',
            'redirect_uri',
            'scope',
            'state',
            'code_challenge',
            'code_challenge_method',
            'nonce',
            'prompt',
            'ui_locales',
            'flow',
            'request',
            'max_age',
          ),
          fc.string({ maxLength: 8 }),
        ),
        text,
        { maxKeys: 9 },
      );
      await fc.assert(
        fc.asyncProperty(query, headersOf, async (parameters, headers) => {
          const url = `/oauth/v2/oauth-authorize?${new URLSearchParams(parameters)}`;
          const res = await call(url, { headers, redirect: 'manual' });
          await expectNoServerError(res, url);
        }),
        params,
      );
      await unchanged();
    },
    TIMEOUT,
  );
});

describe('Fuzz: HAAPI steps of a live flow', () => {
  let app: HaapiTestClient;
  let flowHref: string;
  beforeAll(async () => {
    const secret = randomToken(32);
    const clientId = await insertSecretHaapiClient(await hashGeneratedSecret(secret));
    app = await HaapiTestClient.withSecret(
      (request) => call(request.url, request),
      clientId,
      secret,
    );
    const first = await app.request((await authorizationRequest(clientId)).url);
    const login = first.body.actions?.[0];
    flowHref = login?.template === 'form' ? login.model.href : '';
    before = await storedState();
  }, TIMEOUT);

  it(
    'form and JSON posts with any fields, at any action, keep the flow and change nothing',
    async () => {
      const fields = fc.dictionary(
        fc.oneof(
          fc.constantFrom(
            'userName',
            'password',
            'email',
            'credential',
            'platformCredential',
            'crossPlatformCredential',
            '_resume_nonce',
            'answer',
            '_csrf',
          ),
          fc.string({ maxLength: 10 }),
        ),
        fc.oneof(
          text.filter((v) => v !== 'demo'),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        { maxKeys: 5 },
      );
      await fc.assert(
        fc.asyncProperty(
          fields,
          // Not `/register`: creating an account there is a legitimate write.
          fc.constantFrom('', '/identify', '/ask', '/resume', '/external', '/x'),
          fc.boolean(),
          async (body, action, json) => {
            const result = await app.request(`${flowHref}${action}`, 'POST', {
              type: json ? 'application/json' : 'application/x-www-form-urlencoded',
              text: json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
            });
            expect(result.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
            expect(result.status).toBeLessThan(500);
            expect(result.contentType).toBe('application/problem+json');
          },
        ),
        params,
      );
      await unchanged();
      // The flow is still there and on its step.
      const again = await app.request(flowHref);
      expect(again.status).toBe(200);
    },
    TIMEOUT,
  );

  it(
    'the flow endpoints with wrong sessions, tokens and proofs',
    async () => {
      await fc.assert(
        fc.asyncProperty(headersOf, fc.string({ maxLength: 40 }), async (headers, flowId) => {
          const res = await call(`/authn/${encodeURIComponent(flowId) || 'x'}/pw`, {
            method: 'POST',
            headers: { ...headers, Accept: 'application/vnd.auth+json' },
            body: 'userName=x&password=y',
          });
          await expectNoServerError(res, JSON.stringify(headers));
          const own = await call(flowHref, {
            method: 'GET',
            headers: { ...headers, Accept: 'application/vnd.auth+json' },
          });
          await expectNoServerError(own, `own flow ${JSON.stringify(headers)}`);
        }),
        params,
      );
      await unchanged();
    },
    TIMEOUT,
  );
});
