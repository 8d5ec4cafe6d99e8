/**
 * @module haapi/authenticators/password/config
 * The password authenticator's options in AUTHENTICATORS: `{"id": "pw", "type": "password",
 * "registration": true}`.
 */
import type { ObjectReader } from '../../../config/parsers';
import type { AuthenticatorTitle } from '../title';

export interface PasswordAuthenticatorConfig {
  readonly id: string;
  readonly type: 'password';
  readonly title: AuthenticatorTitle;
  /** Offer account creation (`registration-step`). */
  readonly registration: boolean;
}

export function readPasswordConfig(
  id: string,
  title: AuthenticatorTitle,
  options: ObjectReader,
): PasswordAuthenticatorConfig {
  return { id, type: 'password', title, registration: options.boolean('registration', false) };
}
