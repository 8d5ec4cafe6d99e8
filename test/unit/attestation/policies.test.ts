import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../../src/config/settings';

const base = { ...(env as unknown as Record<string, unknown>) };
const withPolicies = (policies: unknown) =>
  parseSettings({ ...base, ATTESTATION: JSON.stringify(policies) });

describe('Attestation policies (ATTESTATION setting)', () => {
  it('the demo policies parse, with non-production defaults', () => {
    const android = parseSettings(base).attestation.get('android-dev');
    expect(android).toMatchObject({
      platform: 'android',
      mode: 'non-production',
      // The demo asks for a TEE key like production does, so emulators take the DCR fallback.
      minSecurityLevel: 'TrustedEnvironment',
      requireVerifiedBoot: false,
      signingCertDigests: [],
    });
    // Google's two roots and the two AOSP software roots.
    expect(android?.anchors).toHaveLength(4);
    expect(parseSettings(base).attestation.get('ios-dev')).toMatchObject({
      platform: 'ios',
      appIds: ['TEAMID1234.io.curity.haapidemo'],
      allowedEnvironments: ['production', 'development'],
    });
  });

  it('production defaults are strict and trust only the platform roots', () => {
    const policy = withPolicies({
      p: { platform: 'android', packageNames: ['a.b'], signingCertDigests: ['AB'.repeat(32)] },
    }).attestation.get('p');
    expect(policy).toMatchObject({
      mode: 'production',
      minSecurityLevel: 'TrustedEnvironment',
      requireVerifiedBoot: true,
      requireDeviceLocked: true,
      signingCertDigests: ['ab'.repeat(32)],
    });
    expect(policy?.anchors).toHaveLength(2);
  });

  const bad: [string, unknown, string][] = [
    [
      'a misspelt option (a security check would silently keep its default)',
      {
        'android-dev': {
          platform: 'android',
          mode: 'non-production',
          packageNames: ['a'],
          minSecuritylevel: 'StrongBox',
        },
      },
      'ATTESTATION.android-dev.minSecuritylevel is not an option here',
    ],
    [
      'an option of another platform',
      { w: { platform: 'web', mode: 'non-production', packageNames: ['a'] } },
      'ATTESTATION.w.packageNames is not an option here',
    ],
    [
      'a production policy without digests',
      { p: { platform: 'android', packageNames: ['a'] } },
      'ATTESTATION.p.signingCertDigests must be an array of strings',
    ],
    [
      'an empty digest list in production',
      { p: { platform: 'android', packageNames: ['a'], signingCertDigests: [] } },
      'ATTESTATION.p.signingCertDigests must list at least one digest in production',
    ],
    [
      'a malformed digest',
      {
        p: {
          platform: 'android',
          mode: 'non-production',
          packageNames: ['a'],
          signingCertDigests: ['xyz'],
        },
      },
      'ATTESTATION.p.signingCertDigests must be an array of strings matching',
    ],
    [
      'development roots in production',
      { p: { platform: 'ios', teamId: 'T', bundleIds: ['b'], developmentRoots: ['x'] } },
      'ATTESTATION.p.developmentRoots is only allowed in non-production policies',
    ],
    [
      'a development root that is not PEM',
      {
        p: {
          platform: 'ios',
          mode: 'non-production',
          teamId: 'T',
          bundleIds: ['b'],
          developmentRoots: ['x'],
        },
      },
      'ATTESTATION.p.developmentRoots[0] must be a PEM certificate',
    ],
    [
      'an unknown platform',
      { p: { platform: 'windows' } },
      'ATTESTATION.p.platform must be one of android, ios, web',
    ],
    [
      'a missing team id',
      { p: { platform: 'ios', bundleIds: ['b'] } },
      'ATTESTATION.p.teamId must be a non-empty string',
    ],
    [
      'a bad security level',
      {
        p: {
          platform: 'android',
          mode: 'non-production',
          packageNames: ['a'],
          minSecurityLevel: 'High',
        },
      },
      'ATTESTATION.p.minSecurityLevel must be one of Software, TrustedEnvironment, StrongBox',
    ],
  ];
  for (const [what, policies, message] of bad) {
    it(`refuses ${what}, naming the setting path`, () => {
      expect(() => withPolicies(policies)).toThrow(message);
    });
  }
});
