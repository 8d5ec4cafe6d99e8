/**
 * WebAuthn test helpers for flows through the Worker: the relying party's origin of a test env, a
 * fresh account with password `Password1`, starting a login on one authenticator of the selector,
 * and finding a client operation in a representation.
 */
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { getSettings } from '../../src/config/settings';
import { hashPassword } from '../../src/crypto/secret-hash';
import type {
  ClientOperationAction,
  FormAction,
  Representation,
} from '../../src/haapi/representations/types';
import { createAccount } from '../../src/storage/accounts';
import { authorizationRequest, type HaapiTestClient } from './haapi-client';

/** The first (web) origin of the relying party the Worker runs with under `testEnv`. */
export function rpOrigin(testEnv: unknown): string {
  return getSettings(testEnv as Record<string, unknown>).relyingParty.origins[0] as string;
}

export async function newAccount(
  prefix = 'wa',
  attributes: Record<string, unknown> = {},
): Promise<{ username: string; subject: string }> {
  const username = `${prefix}-${crypto.randomUUID()}`;
  const subject = crypto.randomUUID();
  await createAccount(env.DB, {
    subject,
    username,
    passwordHash: await hashPassword('Password1', null),
    attributes,
  });
  return { username, subject };
}

/** Starts a login for `clientId` and picks the authenticator `id` in the selector. */
export async function startOn(
  app: HaapiTestClient,
  clientId: string,
  id: string,
  headers: Record<string, string> = {},
) {
  const { url, verifier } = await authorizationRequest(clientId);
  const first = await app.request(url);
  expect(first.body.type).toBe('authentication-step');
  const selector = first.body.actions?.[0];
  const options = selector?.template === 'selector' ? selector.model.options : [];
  const option = options.find((o) => o.model.href.endsWith(`/${id}`)) as FormAction;
  expect(option, `authenticator ${id} in the selector`).toBeDefined();
  const step = await app.request(option.model.href, 'GET', undefined, headers);
  return { first, option, step, verifier };
}

export function operation(body: Representation, name: string): ClientOperationAction {
  const found = (body.actions ?? []).find(
    (a): a is ClientOperationAction => a.template === 'client-operation' && a.model.name === name,
  );
  expect(found, `a ${name} operation in ${JSON.stringify(body)}`).toBeDefined();
  return found as ClientOperationAction;
}

/**
 * Registration during login starts from the WebAuthn login step's `register-create` link: the
 * username alone never tells whether an account has devices (it always gets an authenticate step).
 * Returns the prerequisite (password) step.
 */
export async function toPrerequisite(app: HaapiTestClient, loginStep: Representation) {
  const link = (loginStep.links ?? []).find((l) => l.rel === 'register-create');
  expect(link, `a register-create link in ${JSON.stringify(loginStep)}`).toBeDefined();
  const prerequisite = await app.request((link as { href: string }).href);
  expect(prerequisite.body.messages?.map((m) => m.text)).toContain(
    'Sign in with your password first to register a device',
  );
  return prerequisite;
}
