/**
 * The jobs oidc-provider also does, run in alternating blocks on both servers (runner.ts:
 * compare): the floors (an empty answer from the runtime, and the cheapest request through the
 * app), client_credentials with a secret and with private_key_jwt, and DCR registration.
 */
import { SignJWT } from 'jose';
import { compare, expectOk, N } from '../runner';
import type { Bench } from '../setup';

export async function comparedJobs(b: Bench): Promise<void> {
  const { results, theirs, workerd, op, base, token, opToken, basic, form, postForm, floorCpu } = b;
  const { ccJwtKey, opClientKey, ready } = b;
  // The jobs oidc-provider also does run in alternating blocks on both servers (see compare()).
  [results.cc_secret, theirs.cc_secret] = await compare(
    'cc_secret',
    {
      pids: workerd,
      unit: async () => {
        const body = { grant_type: 'client_credentials' };
        await postForm(token, body, { Authorization: basic('bench-secret') }, 'cc secret');
      },
    },
    {
      pids: op,
      unit: async () => {
        const body = { grant_type: 'client_credentials', scope: 'read' };
        await postForm(opToken, body, { Authorization: basic('cc-secret') }, 'op cc secret');
      },
    },
    N,
  );
  results.cc_secret.floor_us = await floorCpu({ es256_sign: 1 });
  const assertion = (key: CryptoKey, clientId: string, audience: string) =>
    new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'cc' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setExpirationTime('2m')
      .sign(key);
  const jwtGrant = (clientAssertion: string, scope?: string) =>
    form({
      grant_type: 'client_credentials',
      ...(scope ? { scope } : {}),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    });
  const assertions: string[] = [];
  const opAssertions: string[] = [];
  [results.cc_private_key_jwt, theirs.cc_private_key_jwt] = await compare(
    'cc_private_key_jwt',
    {
      pids: workerd,
      unit: async (i) => {
        await expectOk(await fetch(token, jwtGrant(assertions[i] as string)), 'cc jwt');
      },
      prepare: async (i) => {
        assertions[i] = await assertion(ccJwtKey.privateKey, 'bench-jwt', 'http://127.0.0.1:8799');
      },
    },
    {
      pids: op,
      unit: async (i) => {
        await expectOk(await fetch(opToken, jwtGrant(opAssertions[i] as string, 'read')), 'op jwt');
      },
      prepare: async (i) => {
        opAssertions[i] = await assertion(opClientKey.privateKey, 'cc-jwt', ready.issuer);
      },
    },
    N,
  );
  results.cc_private_key_jwt.floor_us = await floorCpu({ es256_verify: 1, es256_sign: 1 });
  const iats: string[] = [];
  [results.dcr_registration, theirs.dcr_registration] = await compare(
    'dcr_registration',
    {
      pids: workerd,
      unit: async (i) => {
        const res = await fetch(`${base}/oauth/v2/oauth-registration`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${iats[i]}` },
          body: '{"software_id":"bench-template"}',
        });
        await expectOk(res, 'dcr');
      },
      prepare: async (i) => {
        const body = { grant_type: 'client_credentials', scope: 'dcr' };
        iats[i] = (await postForm(token, body, { Authorization: basic('bench-registrar') }, 'iat'))
          .access_token as string;
      },
    },
    {
      pids: op,
      unit: async () => {
        const res = await fetch(`${ready.issuer}/reg`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Authorization: 'Bearer bench-initial-access-token',
          },
          body: JSON.stringify({
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            token_endpoint_auth_method: 'client_secret_basic',
          }),
        });
        await expectOk(res, 'op dcr');
      },
    },
    N,
  );
  results.dcr_registration.floor_us = await floorCpu({ es256_verify: 1 });
  // The floors, on both servers, after the jobs (which so keep the place they had in earlier runs,
  // and their figures stay comparable): an empty 204 from the runtime's HTTP server without the
  // app (workerd; Node's http), and the baseline, the cheapest request through the app
  // (middleware, routing, the not-found answer).
  const get = (url: string) => async () => {
    await (await fetch(url)).text();
  };
  [results.runtime_empty, theirs.runtime_empty] = await compare(
    'runtime_empty',
    { pids: workerd, unit: get(`${base}/__bench/empty`) },
    { pids: op, unit: get(`${ready.issuer}/__bench/empty`) },
    N,
  );
  [results.baseline, theirs.baseline] = await compare(
    'baseline',
    { pids: workerd, unit: get(`${base}/bench-baseline`) },
    { pids: op, unit: get(`${ready.issuer}/bench-baseline`) },
    N,
  );
}
