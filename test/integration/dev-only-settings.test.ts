// The development-only settings that `npm start` turns on: DEV_ATTESTATION_ROOTS and the
// development mTLS header. Refused in production; the header means nothing unless turned on, and
// a certificate from another CA is presented but not verified.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { clientCertificate, createDevCa, ecKeyPair } from '../../client/dev-attestation';
import { parseCertificate } from '../../src/attestation/x509/certificate';
import { parseSettings } from '../../src/config/settings';
import { encodeBase64 } from '../../src/crypto/pem';
import worker from '../../src/index';
import { devTlsClientAuth } from '../../src/middleware/dev-client-certificate';
import { ISSUER } from '../support/worker';

const base = { ...(env as unknown as Record<string, unknown>) };
const production = { ENVIRONMENT: 'production', ISSUER: 'https://id.example' };

async function deviceCertificate(ca: Awaited<ReturnType<typeof createDevCa>>, cn: string) {
  return clientCertificate(ca, await ecKeyPair(), cn);
}

describe('Development-only settings', () => {
  it('are refused when ENVIRONMENT is production', async () => {
    const root = await createDevCa();
    expect(() =>
      parseSettings({ ...base, ...production, DEV_ATTESTATION_ROOTS: root.pem }),
    ).toThrow(
      'DEV_ATTESTATION_ROOTS is for development only and refused when ENVIRONMENT is production',
    );
    expect(() =>
      parseSettings({ ...base, ...production, DEV_CLIENT_CERTIFICATE_HEADER: 'true' }),
    ).toThrow('DEV_CLIENT_CERTIFICATE_HEADER is for development only');
  });

  it('DEV_ATTESTATION_ROOTS become anchors of non-production Android and iOS policies only', async () => {
    const root = await createDevCa();
    const settings = parseSettings({
      ...base,
      DEV_ATTESTATION_ROOTS: root.pem.replace(/\n/g, '\\n'),
    });
    const plain = parseSettings(base);
    const android = settings.attestation.get('android-dev');
    expect(android?.anchors.length).toBe(
      (plain.attestation.get('android-dev')?.anchors.length ?? 0) + 1,
    );
    expect(settings.attestation.get('web-dev')?.anchors).toEqual([]);
    expect(() => parseSettings({ ...base, DEV_ATTESTATION_ROOTS: 'not a pem' })).toThrow(
      'DEV_ATTESTATION_ROOTS must be PEM certificates',
    );
  });

  it('the header stands for tlsClientAuth only when turned on, verified against DEV_MTLS_CA', async () => {
    const ca = await createDevCa('edge-haapi Test mTLS CA');
    const other = await createDevCa('Someone Else CA');
    const caCert = parseCertificate(ca.der);
    const good = await deviceCertificate(ca, 'device 1');
    const tls = await devTlsClientAuth(encodeBase64(good), [caCert], new Date());
    expect(tls).toMatchObject({
      certPresented: '1',
      certVerified: 'SUCCESS',
      certSubjectDNRFC2253: 'CN=device 1',
      certIssuerDNRFC2253: 'CN=edge-haapi Test mTLS CA',
    });
    expect(tls?.certFingerprintSHA256).toMatch(/^[0-9a-f]{64}$/);
    const foreign = await devTlsClientAuth(
      encodeBase64(await deviceCertificate(other, 'device 1')),
      [caCert],
      new Date(),
    );
    expect(foreign?.certVerified).toMatch(/^FAILED:/);
    expect(await devTlsClientAuth('%%%', [caCert], new Date())).toBeNull();
    // Through the Worker: the demo client with tls_client_auth and this CA's subject.
    const clientId = `dev-mtls-${crypto.randomUUID()}`;
    await env.DB.prepare(
      `INSERT INTO clients (client_id, client_type, token_endpoint_auth_method, grant_types, scopes, tls_subject_dn)
       VALUES (?, 'confidential', 'tls_client_auth', '["client_credentials"]', 'read', 'CN=device 1')`,
    )
      .bind(clientId)
      .run();
    const token = (vars: Record<string, string>, certificate: Uint8Array) =>
      worker.fetch(
        new Request(`${ISSUER}/oauth/v2/oauth-token`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            'X-Dev-Client-Certificate': encodeBase64(certificate),
          },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }),
        }) as unknown as Request<unknown, IncomingRequestCfProperties>,
        { ...env, ...vars } as Env,
        createExecutionContext(),
      );
    const on = { DEV_CLIENT_CERTIFICATE_HEADER: 'true', DEV_MTLS_CA: ca.pem };
    expect((await token(on, good)).status).toBe(200);
    expect((await token({}, good)).status).toBe(401);
    expect((await token(on, await deviceCertificate(other, 'device 1'))).status).toBe(401);
  });
});
