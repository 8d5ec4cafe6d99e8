/**
 * @module haapi/authenticators/title
 * An authenticator's title in the selector (its `title` option): a text, or one per locale;
 * without one, the type's default text (`authenticator.<type>` in the catalogue).
 */
import { ConfigError } from '../../config/errors';
import { ObjectReader } from '../../config/parsers';
import { LOCALES, type Locale, type MessageKey, type Texts } from '../messages/catalog';

export type AuthenticatorTitle = string | Readonly<Partial<Record<Locale, string>>> | null;

export function parseTitle(value: unknown, path: string): AuthenticatorTitle {
  const rule = 'must be a text of 1–64 characters';
  const TEXT = /^(?=.*\S).{1,64}$/s;
  if (value === undefined) return null;
  if (typeof value === 'string') {
    if (!TEXT.test(value)) throw new ConfigError(path, rule);
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(path, 'must be a text or an object of texts per locale');
  const r = new ObjectReader(value, path);
  const titles: Partial<Record<Locale, string>> = {};
  for (const locale of LOCALES) {
    const title = r.optionalString(locale, TEXT, rule);
    if (title !== undefined) titles[locale] = title;
  }
  r.end(`is not a locale (one of ${LOCALES.join(', ')})`);
  return titles;
}

/** The title the selector shows for an authenticator, in the texts' locale. */
export function authenticatorTitle(
  config: { readonly type: string; readonly title: AuthenticatorTitle },
  locale: Locale,
  t: Texts,
): string {
  const { title } = config;
  if (typeof title === 'string') return title;
  return title?.[locale] ?? title?.en ?? t(`authenticator.${config.type}` as MessageKey);
}
