/**
 * @module haapi/authenticators/webauthn/decoy
 * Made-up devices for usernames without any, so that the authenticate step of an unknown name
 * looks like a known one's.
 */
import { encodeBase64Url } from '../../../crypto/base64url';
import { derivedHmacKey, hmacSha256 } from '../../../crypto/hmac';
import type { WebauthnDevice } from '../../../storage/webauthn-devices';
import type { FlowContext } from '../../flow/context';

/**
 * Made-up devices for a username without any (WebAuthn L3 §14.6.2): derived from the server
 * secret and the username, so every ask for one name gets the same ids.
 */
export async function decoyDevices(ctx: FlowContext, username: string): Promise<WebauthnDevice[]> {
  const key = await derivedHmacKey(ctx.settings.serverSecret, 'webauthn-decoy');
  const mac = await hmacSha256(key, username);
  const platform = ((mac[0] as number) & 1) === 0;
  return [
    {
      credentialId: encodeBase64Url(mac.slice(0, 32)),
      subject: '',
      publicKey: '',
      counter: 0,
      transports: platform ? ['internal', 'hybrid'] : ['usb', 'nfc'],
      deviceType: platform ? 'platform' : 'cross-platform',
      aaguid: null,
      backupEligible: platform,
      backupState: platform,
      name: null,
      createdAt: 0,
      lastUsedAt: null,
    },
  ];
}
