/**
 * @module haapi/messages/catalog
 * The one message file: every text a step shows, by key, in English and Swedish (to prove the
 * mechanism). The language comes from `ui_locales` or `Accept-Language`; English is the fallback.
 */

const en = {
  'login.heading': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.register': 'Create account',
  'register.heading': 'Create an account',
  'register.submit': 'Create account',
  'register.email': 'Email',
  'register.exists': 'That username is taken',
  'error.incorrect-credentials': 'Incorrect username or password',
  'error.invalid-input': 'Some fields need your attention',
  'error.too-many-attempts': 'Too many attempts. Try again later.',
  'error.required': 'This field is required',
  'redirect.continue': 'Continue',
  cancel: 'Cancel',
  'debug.heading': 'Authentication attributes (debug)',
  'page.title': 'Sign in',
  'complete.heading': 'Signed in',
} as const;

export type MessageKey = keyof typeof en;
export type Locale = 'en' | 'sv';

const sv: Record<MessageKey, string> = {
  'login.heading': 'Logga in',
  'login.username': 'Användarnamn',
  'login.password': 'Lösenord',
  'login.submit': 'Logga in',
  'login.register': 'Skapa konto',
  'register.heading': 'Skapa ett konto',
  'register.submit': 'Skapa konto',
  'register.email': 'E-post',
  'register.exists': 'Användarnamnet är upptaget',
  'error.incorrect-credentials': 'Fel användarnamn eller lösenord',
  'error.invalid-input': 'Några fält behöver rättas',
  'error.too-many-attempts': 'För många försök. Försök igen senare.',
  'error.required': 'Fältet måste fyllas i',
  'redirect.continue': 'Fortsätt',
  cancel: 'Avbryt',
  'debug.heading': 'Autentiseringsattribut (felsökning)',
  'page.title': 'Logga in',
  'complete.heading': 'Inloggad',
};

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, sv };

export function t(locale: Locale, key: MessageKey): string {
  return catalogs[locale][key];
}

/** Picks the locale from `ui_locales` (OIDC) or an Accept-Language header. */
export function pickLocale(
  uiLocales: string | undefined,
  acceptLanguage: string | undefined,
): Locale {
  const wanted = `${uiLocales ?? ''} ${acceptLanguage ?? ''}`.toLowerCase().split(/[\s,;]+/);
  for (const tag of wanted) {
    const language = tag.split('-')[0];
    if (language === 'sv') return 'sv';
    if (language === 'en') return 'en';
  }
  return 'en';
}
