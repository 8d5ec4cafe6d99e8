/**
 * @module ui/webauthn-interaction
 * The one place that decides whether an HTML page starts a WebAuthn ceremony by itself or waits
 * for a button press. Safari only lets a page call WebAuthn from a user gesture (a click), so it
 * must wait; other browsers can start at once. The rule comes from WEBAUTHN `userGesture`
 * (`safari`, `always`, `never`); a deployment that needs another rule changes it here.
 */
import type { UserGestureRule } from '../webauthn/settings';

/** Safari's user agent: "Safari" and "Version/", without Chrome, Chromium, Edge or Android. */
export function isSafari(userAgent: string): boolean {
  return (
    /Safari\//.test(userAgent) &&
    /Version\//.test(userAgent) &&
    !/Chrome|Chromium|CriOS|FxiOS|EdgiOS|Edg\/|Android/.test(userAgent)
  );
}

export function needsUserGesture(rule: UserGestureRule, userAgent: string): boolean {
  if (rule === 'always') return true;
  if (rule === 'never') return false;
  return isSafari(userAgent);
}
