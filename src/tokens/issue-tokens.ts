/**
 * @module tokens/issue-tokens
 * Builds a token response (RFC 6749 §5.1): a JWT access token, sender-constrained when a DPoP
 * key or a client certificate is known; with a new refresh-token family when asked; with an ID
 * token for the `openid` scope.
 */
import { randomToken } from '../crypto/random';
import { findAccountBySubject } from '../storage/accounts';
import { createFamily } from '../storage/refresh-families';
import type { Confirmation } from './access-token';
import { mintAccessToken } from './access-token';
import type { AuthContext } from './auth-context';
import { needsAttributes, releasedClaims } from './claims-mapping';
import { familyStore, type GrantContext } from './grants/context';
import { mintIdToken } from './id-token';
import { formatRefreshToken } from './refresh-token';

export interface IssueInput {
  readonly auth: AuthContext;
  readonly scope: readonly string[];
  readonly refresh: boolean;
  /** Present when an ID token is to be issued (the `openid` scope of a code flow). */
  readonly idToken?: { nonce?: string };
  /** Access-token lifetime, when not the client's or the server's default (the AAT). */
  readonly ttl?: number;
  /** Further access-token claims (the AAT's attestation evidence). */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Ids chosen beforehand (a code grant records them with the redemption). */
  readonly ids?: { readonly accessJti: string; readonly familyId?: string };
  /** The initial access token's MAC key (tokens/access-token.ts: issuerOnlyKey). */
  readonly macKey?: CryptoKey;
}

export interface Issued {
  readonly body: Record<string, unknown>;
  readonly accessJti: string;
  readonly accessExp: number;
  readonly familyId?: string;
}

export function confirmationOf(context: GrantContext): Confirmation | undefined {
  const cnf: { jkt?: string; 'x5t#S256'?: string } = {};
  if (context.dpop) cnf.jkt = context.dpop.jkt;
  if (context.client.x5tS256) cnf['x5t#S256'] = context.client.x5tS256;
  return cnf.jkt || cnf['x5t#S256'] ? cnf : undefined;
}

export function accessTokenTtl(context: GrantContext): number {
  return context.client.client.accessTokenTtl ?? context.settings.accessTokenTtl;
}

export async function issueTokens(context: GrantContext, input: IssueInput): Promise<Issued> {
  const { settings, keys, client, now } = context;
  const cnf = confirmationOf(context);
  const ttl = input.ttl ?? accessTokenTtl(context);
  const mapping = settings.claims;
  const attributes =
    input.idToken && needsAttributes(mapping, 'id_token', input.scope)
      ? ((await findAccountBySubject(context.db, input.auth.subject))?.attributes ?? {})
      : {};
  // `cal` says what the client proved: always carried when known, whatever CLAIMS releases.
  const cal = input.auth.cal ? { cal: input.auth.cal } : {};
  const access = await mintAccessToken(keys, {
    claims: {
      ...releasedClaims(mapping, 'access_token', input.scope, input.auth, attributes),
      ...cal,
      ...input.claims,
    },
    issuer: settings.issuer,
    audience: settings.issuer,
    clientId: client.client.clientId,
    scope: input.scope,
    auth: input.auth,
    cnf,
    ttl,
    now,
    jti: input.ids?.accessJti,
    macKey: input.macKey,
  });
  const body: Record<string, unknown> = {
    access_token: access.token,
    token_type: cnf?.jkt ? 'DPoP' : 'Bearer',
    expires_in: ttl,
    scope: input.scope.join(' '),
  };
  let familyId: string | undefined;
  if (input.refresh) {
    familyId = input.ids?.familyId ?? randomToken(16);
    await createFamily(familyStore(context), {
      familyId,
      clientId: client.client.clientId,
      scope: input.scope,
      auth: input.auth,
      cnfJkt: cnf?.jkt ?? null,
      accessJti: access.claims.jti,
      now,
      expiresAt: now + (client.client.refreshTokenTtl ?? settings.refreshTokenTtl),
    });
    body.refresh_token = await formatRefreshToken(settings.serverSecret, familyId, 1);
  }
  if (input.idToken) {
    body.id_token = await mintIdToken(keys, {
      issuer: settings.issuer,
      clientId: client.client.clientId,
      auth: input.auth,
      nonce: input.idToken.nonce,
      accessToken: access.token,
      claims: {
        ...releasedClaims(mapping, 'id_token', input.scope, input.auth, attributes),
        ...cal,
      },
      ttl: settings.idTokenTtl,
      now,
    });
  }
  return { body, accessJti: access.claims.jti, accessExp: access.claims.exp, familyId };
}
