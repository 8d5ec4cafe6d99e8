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
  'webauthn.heading': 'Sign in with a passkey or security key',
  'webauthn.passkey': 'Sign in with a passkey',
  'webauthn.continue': 'Continue',
  'webauthn.authenticate': 'Use your device',
  'webauthn.authenticate.heading': 'Confirm it is you with your device',
  'webauthn.register.heading': 'Register a device for signing in',
  'webauthn.register': 'Register a device',
  'webauthn.register.link': 'Register a new device',
  'webauthn.platform': 'Built-in device',
  'webauthn.cross-platform': 'Security key',
  'webauthn.other-account': 'Use another account',
  'webauthn.prerequisite': 'Sign in with your password first to register a device',
  'webauthn.ask.heading': 'Sign in faster next time?',
  'webauthn.ask.text':
    "You signed in with a security key. Register this device's built-in authenticator (fingerprint, face or screen lock) to sign in with it next time.",
  'webauthn.ask.register': 'Register a built-in device',
  'webauthn.ask.not-now': 'No, not now',
  'webauthn.ask.not-this-browser': "Don't ask me again for this browser",
  'webauthn.ask.never': "Don't ask me again",
  'webauthn.external': 'Continue in the browser',
  'webauthn.external.done': 'Done. You can close this window and return to the app.',
  'webauthn.error.failed': 'The device could not be verified. Try again.',
  'webauthn.error.no-device': 'There is no registered device for this account',
  'webauthn.error.cancelled': 'The operation was cancelled or timed out. Try again.',
  'webauthn.error.unsupported': 'This browser does not support passkeys or security keys.',
  'webauthn.error.exists': 'This device is already registered',
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
  'webauthn.heading': 'Logga in med passkey eller säkerhetsnyckel',
  'webauthn.passkey': 'Logga in med passkey',
  'webauthn.continue': 'Fortsätt',
  'webauthn.authenticate': 'Använd din enhet',
  'webauthn.authenticate.heading': 'Bekräfta att det är du med din enhet',
  'webauthn.register.heading': 'Registrera en enhet för inloggning',
  'webauthn.register': 'Registrera en enhet',
  'webauthn.register.link': 'Registrera en ny enhet',
  'webauthn.platform': 'Inbyggd enhet',
  'webauthn.cross-platform': 'Säkerhetsnyckel',
  'webauthn.other-account': 'Använd ett annat konto',
  'webauthn.prerequisite': 'Logga in med ditt lösenord först för att registrera en enhet',
  'webauthn.ask.heading': 'Logga in snabbare nästa gång?',
  'webauthn.ask.text':
    'Du loggade in med en säkerhetsnyckel. Registrera enhetens inbyggda autentisering (fingeravtryck, ansikte eller skärmlås) för att logga in med den nästa gång.',
  'webauthn.ask.register': 'Registrera en inbyggd enhet',
  'webauthn.ask.not-now': 'Nej, inte nu',
  'webauthn.ask.not-this-browser': 'Fråga inte igen i den här webbläsaren',
  'webauthn.ask.never': 'Fråga inte igen',
  'webauthn.external': 'Fortsätt i webbläsaren',
  'webauthn.external.done': 'Klart. Du kan stänga fönstret och gå tillbaka till appen.',
  'webauthn.error.failed': 'Enheten kunde inte verifieras. Försök igen.',
  'webauthn.error.no-device': 'Det finns ingen registrerad enhet för kontot',
  'webauthn.error.cancelled': 'Åtgärden avbröts eller tog för lång tid. Försök igen.',
  'webauthn.error.unsupported': 'Webbläsaren stöder inte passkeys eller säkerhetsnycklar.',
  'webauthn.error.exists': 'Enheten är redan registrerad',
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
