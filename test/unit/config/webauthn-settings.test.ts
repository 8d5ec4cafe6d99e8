// The WebAuthn settings: authenticator options (modes, prerequisite rules), the relying party
// (defaults from the issuer, android:apk-key-hash origins from the Android policies), the demo
// configuration of wrangler.toml, and the Safari user-gesture rule.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../../src/config/settings';
import { parseAuthenticators } from '../../../src/haapi/authenticators/config';
import { isSafari, needsUserGesture } from '../../../src/ui/webauthn-interaction';
import { apkKeyHashOrigin } from '../../../src/webauthn/settings';

const base = { ...(env as unknown as Record<string, unknown>) };
const settings = (vars: Record<string, unknown>) => parseSettings({ ...base, ...vars });
const webauthn = (options: Record<string, unknown>) =>
  JSON.stringify([
    { id: 'pw', type: 'password' },
    { id: 'wa', type: 'webauthn', ...options },
  ]);

describe('WebAuthn authenticator options', () => {
  it('defaults: passkeys mode, no registration during login, the prompt on, a cookie per authenticator', () => {
    const [, config] = parseAuthenticators(webauthn({}), 'AUTHENTICATORS');
    expect(config).toEqual({
      id: 'wa',
      type: 'webauthn',
      title: null,
      mode: 'passkeys-or-user-verifying-devices',
      allowPlatformDevices: true,
      allowRegistrationDuringLogin: false,
      prerequisiteAuthenticator: null,
      askToRegisterAdditionalPlatformDevice: true,
      platformDeviceCookieName: 'webauthn_platform_wa',
      accountManager: 'default',
      attestation: { conveyance: 'none', allowedAaguids: null, requireTrustedAttestation: false },
    });
  });

  it('reads an attestation policy: conveyance, allowed AAGUIDs (any case), trusted attestation', () => {
    const [, config] = parseAuthenticators(
      webauthn({
        attestation: 'enterprise',
        allowedAaguids: ['CB69481E-8FF7-4039-93EC-0A2729A154A8'],
        requireTrustedAttestation: true,
      }),
      'AUTHENTICATORS',
    );
    expect(config?.type === 'webauthn' && config.attestation).toEqual({
      conveyance: 'enterprise',
      allowedAaguids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'],
      requireTrustedAttestation: true,
    });
  });

  it.each([
    [{ mode: 'sometimes' }, 'AUTHENTICATORS[1].mode must be one of'],
    [
      { allowRegistrationDuringLogin: true },
      'AUTHENTICATORS[1].prerequisiteAuthenticator is required when allowRegistrationDuringLogin',
    ],
    [
      { allowRegistrationDuringLogin: true, prerequisiteAuthenticator: 'wa' },
      'AUTHENTICATORS[1].prerequisiteAuthenticator must name a password authenticator',
    ],
    [{ prerequisiteAuthenticator: 'missing' }, 'must name a password authenticator'],
    [
      { allowPlatformDevices: 'yes' },
      'AUTHENTICATORS[1].allowPlatformDevices must be true or false',
    ],
    [{ accountManager: 'ldap' }, 'AUTHENTICATORS[1].accountManager must be default'],
    [
      { allowRegistrationDuringlogin: true },
      'AUTHENTICATORS[1].allowRegistrationDuringlogin is not an option here',
    ],
    [{ platformDeviceCookieName: 'a b' }, 'AUTHENTICATORS[1].platformDeviceCookieName'],
    [{ attestation: 'always' }, 'AUTHENTICATORS[1].attestation must be one of none, indirect'],
    [{ allowedAaguids: ['not-an-aaguid'] }, 'AUTHENTICATORS[1].allowedAaguids must be an array'],
    [{ allowedAaguids: [] }, 'AUTHENTICATORS[1].allowedAaguids must list at least one AAGUID'],
    [
      { requireTrustedAttestation: true },
      'AUTHENTICATORS[1].requireTrustedAttestation needs an attestation other than none',
    ],
  ])('refuses %j', (options, message) => {
    expect(() => parseAuthenticators(webauthn(options), 'AUTHENTICATORS')).toThrow(message);
  });
});

describe('The relying party', () => {
  it('defaults to the issuer host and origin, adding Android app origins from signing digests', () => {
    const digest = 'ab'.repeat(32);
    const rp = settings({
      ISSUER: 'https://login.example.com',
      WEBAUTHN: '{}',
      ATTESTATION: JSON.stringify({
        app: {
          platform: 'android',
          mode: 'production',
          packageNames: ['com.example'],
          signingCertDigests: [digest],
        },
      }),
    }).relyingParty;
    expect(rp).toEqual({
      id: 'login.example.com',
      name: 'edge-haapi',
      origins: ['https://login.example.com', apkKeyHashOrigin(digest)],
      timeoutMs: 300_000,
      userGesture: 'safari',
    });
    // android:apk-key-hash:<base64url of the SHA-256 digest bytes, no padding>
    expect(apkKeyHashOrigin(digest)).toBe(
      'android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s',
    );
  });

  it('takes rpId, origins and options from WEBAUTHN, and refuses origins off the rpId', () => {
    const rp = settings({
      WEBAUTHN: JSON.stringify({
        rpId: 'example.com',
        rpName: 'Example',
        origins: ['https://login.example.com', 'https://example.com'],
        androidOrigins: false,
        timeoutSeconds: 120,
        userGesture: 'always',
      }),
    }).relyingParty;
    expect(rp).toMatchObject({
      id: 'example.com',
      name: 'Example',
      origins: ['https://login.example.com', 'https://example.com'],
      timeoutMs: 120_000,
      userGesture: 'always',
    });
    expect(() =>
      settings({
        WEBAUTHN: JSON.stringify({ rpId: 'example.com', origins: ['https://evil.test'] }),
      }),
    ).toThrow('WEBAUTHN.origins https://evil.test is not on the relying party id example.com');
    expect(() => settings({ WEBAUTHN: '{"rpid":"x"}' })).toThrow(
      'WEBAUTHN.rpid is not an option here',
    );
    expect(() => settings({ WEBAUTHN: '{"timeoutSeconds":5}' })).toThrow('WEBAUTHN.timeoutSeconds');
  });

  it('production refuses the demo relying party (localhost, http origins)', () => {
    const production = {
      ENVIRONMENT: 'production',
      ISSUER: 'https://id.example.com',
      ATTESTATION: '{}',
    };
    // wrangler.toml's WEBAUTHN is the demo's: localhost.
    expect(() => settings(production)).toThrow(
      'WEBAUTHN.rpId must be your domain, with https origins, when ENVIRONMENT is production',
    );
    expect(settings({ ...production, WEBAUTHN: '{}' }).relyingParty.id).toBe('id.example.com');
  });

  it('the demo configuration (wrangler.toml) offers password and passkeys on localhost', () => {
    // The suite runs with a password-only AUTHENTICATORS; the demo's own value is read here.
    const demo = settings({ AUTHENTICATORS: env.TEST_DEMO_AUTHENTICATORS });
    expect(demo.relyingParty.id).toBe('localhost');
    expect(demo.relyingParty.origins).toEqual(['http://localhost:8787']);
    expect(demo.authenticators).toEqual([
      { id: 'pw', type: 'password', title: null, registration: true },
      expect.objectContaining({
        id: 'webauthn',
        type: 'webauthn',
        mode: 'passkeys-or-user-verifying-devices',
        allowRegistrationDuringLogin: true,
        prerequisiteAuthenticator: 'pw',
        askToRegisterAdditionalPlatformDevice: true,
      }),
    ]);
  });
});

describe('The user-gesture rule (ui/webauthn-interaction.ts)', () => {
  const safari =
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
  const chrome =
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
  const iosChrome =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1';
  it('Safari waits for a button press; Chrome starts at once; the setting can force either', () => {
    expect(isSafari(safari)).toBe(true);
    expect(isSafari(chrome)).toBe(false);
    expect(isSafari(iosChrome)).toBe(false);
    expect(needsUserGesture('safari', safari)).toBe(true);
    expect(needsUserGesture('safari', chrome)).toBe(false);
    expect(needsUserGesture('always', chrome)).toBe(true);
    expect(needsUserGesture('never', safari)).toBe(false);
  });
});
