// WebAuthn authenticator settings the tests share (plain data: the browser tests import it too).
export const PASSKEYS = {
  id: 'webauthn',
  type: 'webauthn',
  mode: 'passkeys-or-user-verifying-devices',
  allowRegistrationDuringLogin: true,
  prerequisiteAuthenticator: 'pw',
  askToRegisterAdditionalPlatformDevice: true,
};
export const ANY_DEVICE = {
  ...PASSKEYS,
  id: 'keys',
  mode: 'any-device',
  allowPlatformDevices: true,
};
