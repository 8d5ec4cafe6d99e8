/**
 * @module haapi/authenticators/registry
 * Every authenticator type, by the `type` of its AUTHENTICATORS entry. The mapped type makes the
 * compiler refuse a type without an implementation (docs/authenticators.md).
 */
import type { AuthenticatorConfig, AuthenticatorType, ConfigOf } from './config';
import { passwordAuthenticator } from './password';
import type { Authenticator } from './types';
import { webauthnAuthenticator } from './webauthn';

const REGISTRY: { readonly [T in AuthenticatorType]: Authenticator<ConfigOf<T>> } = {
  password: passwordAuthenticator,
  webauthn: webauthnAuthenticator,
};

/** The implementation of `config`'s type. */
export function authenticatorFor(config: AuthenticatorConfig): Authenticator {
  return REGISTRY[config.type] as Authenticator;
}
