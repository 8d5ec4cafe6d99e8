/**
 * @module routes/cat
 * GET and POST <TOKEN_PATH>/cat (docs/haapi-protocol.md §2.1 steps A and B):
 *  - GET ?client_id=… → `{"challenge": "…"}` for a client with an attestation policy (single use,
 *    ATTESTATION_CHALLENGE_TTL seconds), whatever the Accept header, except `text/html` (the web
 *    CAT page);
 *  - POST challenge + challenge_response (+ client_id, query or form) → `{"cat": "…"}` after the
 *    platform attestation verified against the client's policy; a challenge_response in an
 *    encoding this server does not know is answered as a failed attestation (`invalid_client`).
 * Attestation outcomes are security events (log), with the verifier's precise reason; the wire
 * says only `invalid_client`.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { attest } from '../attestation/attest';
import { mintCat } from '../attestation/cat';
import { consumeChallenge, issueChallenge } from '../attestation/challenge';
import { parseChallengeResponse } from '../attestation/challenge-response';
import type { AttestationPolicy } from '../attestation/policies';
import { isUsable } from '../clients/client';
import { randomToken } from '../crypto/random';
import { OAuthError } from '../errors/oauth-error';
import { securityEvent } from '../observability/events';
import { revokedSerials } from '../storage/attestation-revocations';
import { findClient } from '../storage/clients';
import { loadKeySet } from '../tokens/keys';
import { catPage } from '../ui/cat-page';
import { clientLocation } from './flow-http';
import { limitByClient, limitByIp } from './rate-limit';
import { readOAuthForm } from './request-body';
import { deferrer, nowSeconds } from './request-context';

async function attestingClient(
  c: Context<AppEnv>,
  clientId: string | undefined,
): Promise<{ policy: AttestationPolicy; allowedOrigins: readonly string[] }> {
  const settings = c.get('settings');
  if (!clientId) throw new OAuthError('invalid_request', 'The client_id parameter is missing');
  const client = await findClient(c.get('db'), clientId, settings.clientCacheTtl, c.env.DB);
  if (!client || !isUsable(client, nowSeconds())) {
    throw new OAuthError('invalid_client', 'Unknown client', {
      status: 401,
      reason: 'unknown_client',
    });
  }
  const policy = client.attestationPolicy
    ? settings.attestation.get(client.attestationPolicy)
    : undefined;
  if (!client.capabilities.haapi || !policy) {
    throw new OAuthError('unauthorized_client', 'The client has no attestation policy');
  }
  return { policy, allowedOrigins: client.allowedOrigins };
}

/**
 * The web CAT page for a browser navigation (the driver's hidden iframe): framable only by the
 * client's allowed origins (CSP frame-ancestors; no X-Frame-Options), a nonce'd script, and
 * requests only to our own origin.
 */
async function webCatPage(c: Context<AppEnv>): Promise<Response> {
  const settings = c.get('settings');
  const clientId = c.req.query('client_id');
  const client = clientId
    ? await findClient(c.get('db'), clientId, settings.clientCacheTtl, c.env.DB)
    : null;
  const policy = client?.attestationPolicy
    ? settings.attestation.get(client.attestationPolicy)
    : undefined;
  if (
    !client ||
    !isUsable(client, nowSeconds()) ||
    !client.capabilities.haapi ||
    policy?.platform !== 'web'
  ) {
    throw new OAuthError('invalid_request', 'No web client with this client_id');
  }
  const nonce = randomToken(16);
  const ancestors = policy.disableOriginVerification
    ? '*'
    : client.allowedOrigins.join(' ') || "'none'";
  c.set('frameable', true);
  c.header('Cache-Control', 'no-store');
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'; frame-ancestors ${ancestors}; base-uri 'none'; form-action 'none'`,
  );
  return c.html(
    catPage(
      {
        clientId: client.clientId,
        tokenEndpoint: settings.endpoints.token,
        catEndpoint: settings.endpoints.cat,
        allowedOrigins: client.allowedOrigins,
        verifyOrigin: !policy.disableOriginVerification,
      },
      nonce,
    ),
  );
}

export const catRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    // A browser frame asks for the page; every other caller gets the challenge as JSON, whatever
    // it sends as Accept (none, */*, application/json, a HAAPI SDK's own types).
    const accept = c.req.header('Accept') ?? '';
    if (accept.includes('text/html')) return webCatPage(c);
    const settings = c.get('settings');
    await limitByIp(c, 'cat');
    const clientId = c.req.query('client_id');
    await attestingClient(c, clientId);
    const challenge = await issueChallenge(
      settings.serverSecret,
      clientId as string,
      nowSeconds(),
      settings.attestationChallengeTtl,
      clientLocation(c),
    );
    c.header('Cache-Control', 'no-store');
    return c.json({ challenge });
  })
  .post('/', async (c) => {
    const settings = c.get('settings');
    const now = nowSeconds();
    await limitByIp(c, 'cat');
    const form = await readOAuthForm(c);
    const queryClientId = c.req.query('client_id');
    const formClientId = form.get('client_id');
    if (queryClientId && formClientId && queryClientId !== formClientId) {
      throw new OAuthError('invalid_request', 'client_id differs between query and form');
    }
    const clientId = formClientId ?? queryClientId;
    const { policy, allowedOrigins } = await attestingClient(c, clientId);
    await limitByClient(c, 'cat', clientId as string);
    const challenge = form.get('challenge');
    const responseText = form.get('challenge_response');
    if (!challenge || !responseText) {
      throw new OAuthError(
        'invalid_request',
        'The challenge and challenge_response parameters are required',
      );
    }
    const problem = await consumeChallenge(
      settings.serverSecret,
      c.env.REPLAY_GUARD,
      clientId as string,
      challenge,
      now,
    );
    if (problem) {
      throw new OAuthError('invalid_grant', 'The challenge is invalid, expired or already used', {
        reason: problem,
      });
    }
    // An encoding this server does not know is answered as a failed attestation (after the
    // challenge is used up): SDKs then take their DCR fallback, as they do on invalid_client.
    const response = parseChallengeResponse(responseText);
    const outcome = response
      ? await attest({
          clientId: clientId as string,
          policy,
          challenge,
          response,
          now: new Date(now * 1000),
          db: c.get('db'),
          primary: c.env.DB,
          defer: deferrer(c),
          replayGuard: c.env.REPLAY_GUARD,
          revokedSerials: await revokedSerials(c.get('db')),
          allowedOrigins,
        })
      : ({ ok: false, reason: 'response_unrecognized' } as const);
    const event = {
      requestId: c.get('requestId'),
      clientId,
      policy: policy.id,
      platform: response?.platform ?? 'unknown',
    };
    if (!outcome.ok) {
      securityEvent(c.env.EVENTS, 'attestation.failure', { ...event, reason: outcome.reason });
      // Production answers tell a client nothing about why (the reason is in the log); in
      // development the reason helps whoever builds the app.
      const why = settings.environment === 'production' ? '' : ` (${outcome.reason})`;
      throw new OAuthError('invalid_client', `The client attestation could not be verified${why}`, {
        status: 401,
      });
    }
    securityEvent(c.env.EVENTS, 'attestation.success', { ...event, evidence: outcome.evidence });
    const cat = await mintCat(await loadKeySet(settings.signingKeys), {
      issuer: settings.issuer,
      audience: settings.endpoints.token,
      clientId: clientId as string,
      jkt: outcome.jkt,
      platform: outcome.platform,
      policy: policy.id,
      evidence: outcome.evidence,
      now,
      ttl: settings.catTtl,
    });
    c.header('Cache-Control', 'no-store');
    return c.json({ cat, expires_in: settings.catTtl });
  });
