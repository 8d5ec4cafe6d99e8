/**
 * @module haapi/messages/catalog
 * The one message file: every text a step or page shows, by key, in English and Swedish. The
 * language comes from `ui_locales` or `Accept-Language`; English is the fallback. The MESSAGES
 * setting overrides any text per locale (parseMessageOverrides); `texts()` gives the texts of one
 * locale with its overrides.
 */
import { jsonObject, ObjectReader } from '../../config/parsers';

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
  'authenticator.password': 'Username and password',
  'authenticator.webauthn': 'Passkey',
  'select.heading': 'Choose how to sign in',
  'page.continue-to': 'to continue to',
  'page.back-to-client': 'Back to the application',
  'page.start-again': 'Start again',
  'page.other-ways': 'Other ways to sign in',
  'page.privacy': 'Privacy policy',
  'page.terms': 'Terms of service',
  'page.field-errors': 'Check the fields below:',
  'page.unknown-flow.heading': 'This sign-in has ended',
  'page.unknown-flow.text':
    'The sign-in link has expired or is not valid. Go back to the application or site you came from and sign in again.',
  'page.done.heading': 'You are signed in',
  'page.done.text': 'Continue to return to the application.',
  'page.finished.text':
    'This sign-in is complete. You can close this page, or go back to the application.',
  'page.error.heading': 'Something went wrong',
  'page.misconfigured.heading': 'The sign-in service is not available',
  'page.misconfigured.text':
    'The service is misconfigured. Its operator has been told; try again later.',
  'page.not-found.heading': 'Page not found',
  'home.heading': 'Sign-in service',
  'home.text':
    'This is the sign-in service of the applications that use it. Open the application you want to use and sign in from there.',
  'webauthn.ip-address':
    'Passkeys do not work on an IP address such as 127.0.0.1: browsers accept them only on a domain name.',
  'webauthn.ip-address.link': 'Open this sign-in on localhost',
  'webauthn.error.not-allowed':
    'This security key or device cannot be used here. Register another one.',
  'logout.heading': 'Sign out',
  'logout.text': 'Do you want to sign out of the sign-in service in this browser?',
  'logout.submit': 'Sign out',
  'logout.stay': 'Stay signed in',
  'logout.done.heading': 'You are signed out',
  'logout.done.text': 'You are no longer signed in in this browser.',
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
  'authenticator.password': 'Användarnamn och lösenord',
  'authenticator.webauthn': 'Passkey',
  'select.heading': 'Välj hur du vill logga in',
  'page.continue-to': 'för att fortsätta till',
  'page.back-to-client': 'Tillbaka till applikationen',
  'page.start-again': 'Börja om',
  'page.other-ways': 'Andra sätt att logga in',
  'page.privacy': 'Integritetspolicy',
  'page.terms': 'Användarvillkor',
  'page.field-errors': 'Kontrollera fälten nedan:',
  'page.unknown-flow.heading': 'Inloggningen har avslutats',
  'page.unknown-flow.text':
    'Inloggningslänken har gått ut eller är ogiltig. Gå tillbaka till applikationen eller webbplatsen du kom från och logga in igen.',
  'page.done.heading': 'Du är inloggad',
  'page.done.text': 'Fortsätt för att gå tillbaka till applikationen.',
  'page.finished.text':
    'Inloggningen är klar. Du kan stänga sidan eller gå tillbaka till applikationen.',
  'page.error.heading': 'Något gick fel',
  'page.misconfigured.heading': 'Inloggningstjänsten är inte tillgänglig',
  'page.misconfigured.text':
    'Tjänsten är felkonfigurerad. Den som driver den har fått veta det; försök igen senare.',
  'page.not-found.heading': 'Sidan finns inte',
  'home.heading': 'Inloggningstjänst',
  'home.text':
    'Det här är inloggningstjänsten för de applikationer som använder den. Öppna applikationen du vill använda och logga in därifrån.',
  'webauthn.ip-address':
    'Passkeys fungerar inte på en IP-adress som 127.0.0.1: webbläsare godtar dem bara på ett domännamn.',
  'webauthn.ip-address.link': 'Öppna inloggningen på localhost',
  'webauthn.error.not-allowed':
    'Den här säkerhetsnyckeln eller enheten kan inte användas här. Registrera en annan.',
  'logout.heading': 'Logga ut',
  'logout.text': 'Vill du logga ut från inloggningstjänsten i den här webbläsaren?',
  'logout.submit': 'Logga ut',
  'logout.stay': 'Förbli inloggad',
  'logout.done.heading': 'Du är utloggad',
  'logout.done.text': 'Du är inte längre inloggad i den här webbläsaren.',
};

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, sv };

export const LOCALES: readonly Locale[] = ['en', 'sv'];

export function t(locale: Locale, key: MessageKey): string {
  return catalogs[locale][key];
}

/** The texts of one locale. */
export type Texts = (key: MessageKey) => string;

/** The MESSAGES setting: texts that replace the catalogue's, per locale. */
export type MessageOverrides = Readonly<
  Partial<Record<Locale, Readonly<Partial<Record<MessageKey, string>>>>>
>;

export function texts(locale: Locale, overrides?: MessageOverrides): Texts {
  const own = overrides?.[locale];
  return (key) => own?.[key] ?? catalogs[locale][key];
}

/**
 * Parses MESSAGES: `{"<locale>": {"<message key>": "<text>"}}`. Unknown locales and keys are
 * refused (a typo would otherwise leave the default text in place, unnoticed).
 */
export function parseMessageOverrides(raw: string, name: string): MessageOverrides {
  const r = new ObjectReader(jsonObject(raw, name), name);
  const result: Partial<Record<Locale, Partial<Record<MessageKey, string>>>> = {};
  for (const locale of LOCALES) {
    const messages = r.get(locale);
    if (messages === undefined) continue;
    const m = new ObjectReader(messages, r.at(locale));
    const own: Partial<Record<MessageKey, string>> = {};
    for (const key of Object.keys(en) as MessageKey[]) {
      const text = m.optionalString(key, /^[\s\S]{1,500}$/, 'must be a text of 1–500 characters');
      if (text !== undefined) own[key] = text;
    }
    m.end('is not a message key');
    result[locale] = own;
  }
  r.end(`is not a locale (one of ${LOCALES.join(', ')})`);
  return result;
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
