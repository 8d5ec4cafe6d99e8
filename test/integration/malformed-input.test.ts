// Bad input never gets a 5xx or a stack trace: every endpoint answers malformed requests with a
// 4xx and a standard error body (OAuth error JSON or problem+json).
import { describe, expect, it } from 'vitest';
import { call } from '../support/worker';

const ENDPOINTS: [string, string][] = [
  ['POST', '/oauth/v2/oauth-token'],
  ['GET', '/oauth/v2/oauth-token/cat'],
  ['POST', '/oauth/v2/oauth-token/cat?client_id=haapi-android-client'],
  ['POST', '/oauth/v2/oauth-introspect'],
  ['POST', '/oauth/v2/oauth-revoke'],
  ['GET', '/oauth/v2/oauth-userinfo'],
  ['POST', '/oauth/v2/oauth-registration'],
  ['GET', '/oauth/v2/oauth-registration/dyn-unknown'],
  ['GET', '/oauth/v2/oauth-authorize'],
  ['POST', '/oauth/v2/oauth-authorize'],
  ['GET', '/authn/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/pw'],
  ['POST', '/authn/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/pw'],
  ['POST', '/authn/x/cancel'],
];

const BODIES: [string, string][] = [
  ['application/x-www-form-urlencoded', '%%%&&&==='],
  [
    'application/x-www-form-urlencoded',
    'grant_type=client_credentials&client_assertion_type=urn:se:curity:attestation:client&client_assertion=a.b.c',
  ],
  ['application/x-www-form-urlencoded', 'grant_type=authorization_code&code=..&code_verifier=x'],
  ['application/x-www-form-urlencoded', 'grant_type=refresh_token&refresh_token=a.1.b'],
  [
    'application/x-www-form-urlencoded',
    'challenge=x&challenge_response={"platform":"ios","keyId":"AAAA","attestation":"!!","jkt":"x"}',
  ],
  ['application/json', '{"software_id": {"$ne": 1}}'],
  ['application/json', '[1,2,3]'],
  ['application/json', '\u0000\u0001'],
  ['text/plain', 'hello'],
  ['application/octet-stream', '\xff\xfe\xfd'],
];

const HEADERS: Record<string, string>[] = [
  {},
  { Authorization: 'Basic ###' },
  { Authorization: 'Bearer a.b.c' },
  { Authorization: 'DPoP x', DPoP: 'not-a-jwt' },
  { DPoP: 'eyJhbGciOiJub25lIn0.e30.' },
  { Accept: 'application/vnd.auth+json', 'Session-Id': '../../etc' },
  { Accept: 'application/vnd.auth+json', Authorization: 'DPoP eyJhbGciOiJIUzI1NiJ9.e30.x' },
];

describe('Malformed input gets a 4xx with a standard error body, never a 5xx', () => {
  for (const [method, path] of ENDPOINTS) {
    it(`${method} ${path}`, { timeout: 60_000 }, async () => {
      for (const headers of HEADERS) {
        const bodies = method === 'GET' ? [undefined] : BODIES;
        for (const body of bodies) {
          const init: RequestInit = {
            method,
            headers: { ...headers, ...(body ? { 'Content-Type': body[0] } : {}) },
          };
          if (body) init.body = body[1];
          const res = await call(path, init);
          const text = await res.text();
          const what = `${method} ${path} ${JSON.stringify(headers)} ${body?.[1] ?? ''} → ${res.status} ${text.slice(0, 200)}`;
          expect(res.status, what).toBeGreaterThanOrEqual(400);
          expect(res.status, what).toBeLessThan(500);
          expect(text, what).not.toMatch(/\bat .+:\d+:\d+/);
          const type = res.headers.get('Content-Type') ?? '';
          if (type.startsWith('application/json'))
            expect(JSON.parse(text), what).toHaveProperty('error');
          else if (type.startsWith('application/problem+json'))
            expect(JSON.parse(text), what).toHaveProperty('type');
          else expect(type, what).toMatch(/^text\/html/);
        }
      }
    });
  }
});
