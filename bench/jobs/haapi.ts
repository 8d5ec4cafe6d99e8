/**
 * HAAPI: one step (a GET of the current step with AAT and DPoP), and a whole password login (5
 * requests), with the CPU of each of its requests and of the PBKDF2 alone.
 */
import { DpopKey } from '../../client/dpop';
import { cpuOf, expectOk, measure, N, N_HEAVY, WARM_UP } from '../runner';
import type { Bench } from '../setup';

export async function haapiJobs(
  b: Bench,
): Promise<{ loginStepsUs: Record<string, number>; pbkdf2Us: number }> {
  const { results, workerd, base, token, form, basic, withNonce, dpopKeys, floorCpu } = b;
  // HAAPI: one step (GET of the current step with AAT + DPoP), and a whole password login.
  const loginKey = await DpopKey.generate();
  const aatFor = async (key: DpopKey) =>
    (
      await expectOk(
        await withNonce(async (n) =>
          fetch(
            token,
            form(
              { grant_type: 'client_credentials', scope: 'urn:se:curity:scopes:haapi' },
              {
                Authorization: basic('bench-haapi'),
                DPoP: await key.proof('POST', token, { nonce: n }),
              },
            ),
          ),
        ),
        'aat',
      )
    ).access_token as string;
  const haapiCall = async (
    key: DpopKey,
    aat: string,
    method: string,
    path: string,
    session?: string,
    body?: string,
  ) =>
    withNonce(async (n) => {
      const url = new URL(path, base).href;
      const headers: Record<string, string> = {
        Accept: 'application/vnd.auth+json',
        Authorization: `DPoP ${aat}`,
        DPoP: await key.proof(method, url, { accessToken: aat, nonce: n }),
      };
      if (session) headers['Session-Id'] = session;
      if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
      return fetch(url, { method, headers, body });
    });
  const authorizePath =
    '/oauth/v2/oauth-authorize?client_id=bench-haapi&response_type=code&redirect_uri=app%3A%2F%2Fhaapi&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256';
  const stepAat = await aatFor(loginKey);
  const started = await haapiCall(loginKey, stepAat, 'GET', authorizePath);
  const session = started.headers.get('Set-Session-Id') as string;
  const stepHref = ((await started.json()) as { actions: { model: { href: string } }[] }).actions[0]
    ?.model.href as string;
  results.haapi_step = await measure('haapi_step', workerd, N, 1, async () => {
    await expectOk(await haapiCall(loginKey, stepAat, 'GET', stepHref, session), 'step');
  });
  results.haapi_step.floor_us = await floorCpu({ es256_verify: 2 });

  // workerd CPU of each of the login's requests, summed over the counted units.
  const loginSteps: Record<string, number> = {};
  let countSteps = false;
  const timed = async <T>(name: string, request: () => Promise<T>): Promise<T> => {
    const before = cpuOf(workerd);
    const result = await request();
    if (countSteps) loginSteps[name] = (loginSteps[name] ?? 0) + cpuOf(workerd) - before;
    return result;
  };
  const login = async (key: DpopKey) => {
    const aat = await timed('aat', () => aatFor(key));
    const first = await timed('authorize', () => haapiCall(key, aat, 'GET', authorizePath));
    const sid = first.headers.get('Set-Session-Id') as string;
    const href = ((await first.json()) as { actions: { model: { href: string } }[] }).actions[0]
      ?.model.href as string;
    const redirect = (await expectOk(
      await timed('password', () =>
        haapiCall(key, aat, 'POST', href, sid, 'userName=demo&password=Password1'),
      ),
      'login',
    )) as { actions: { model: { href: string } }[] };
    const done = (await expectOk(
      await timed('resume', () =>
        haapiCall(key, aat, 'GET', redirect.actions[0]?.model.href as string, sid),
      ),
      'resume',
    )) as { properties: { code: string } };
    const res = await timed('code', () =>
      withNonce(async (n) =>
        fetch(
          token,
          form(
            {
              grant_type: 'authorization_code',
              code: done.properties.code,
              redirect_uri: 'app://haapi',
              code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
            },
            {
              Authorization: basic('bench-haapi'),
              DPoP: await key.proof('POST', token, { nonce: n }),
            },
          ),
        ),
      ),
    );
    await expectOk(res, 'code');
  };
  const loginKeys = await dpopKeys(N_HEAVY + WARM_UP);
  results.password_login = await measure('password_login', workerd, N_HEAVY, 5, async (i) => {
    countSteps = i < N_HEAVY; // warm-up units have the indices after the counted ones
    await login(loginKeys[i] as DpopKey);
  });
  const loginStepsUs = Object.fromEntries(
    Object.entries(loginSteps).map(([name, ns]) => [name, Math.round(ns / N_HEAVY / 1000)]),
  );
  results.password_login.floor_us = await floorCpu({ es256_verify: 7, es256_sign: 3, pbkdf2: 1 });
  const pbkdf2Us = await floorCpu({ pbkdf2: 1 });
  return { loginStepsUs, pbkdf2Us };
}
