/**
 * @module discovery/app-association
 * The app association files, generated from the app identities of the attestation policies (the
 * same package names, signing digests, team and bundle ids the attestation checks use):
 *  - `/.well-known/apple-app-site-association` (Apple, "Supporting associated domains"):
 *    `webcredentials.apps` (passkeys and shared credentials) and `applinks.details[].appIDs` with
 *    the `components` of APP_LINK_PATHS (none by default: the server's pages stay in the browser);
 *  - `/.well-known/assetlinks.json` (Google Digital Asset Links): one statement per package with
 *    `delegate_permission/common.get_login_creds` (Credential Manager passkeys) and
 *    `delegate_permission/common.handle_all_urls`, fingerprints as colon-separated upper-case hex.
 *    Packages whose policy lists no signing digest cannot be stated and are left out.
 * Each file is `generated` (default), `disabled` (404) or a JSON document served as given.
 */
import type { AttestationPolicy } from '../attestation/policies';
import { ConfigError } from '../config/errors';
import { androidPolicies, iosPolicies } from '../webauthn/settings';

export type AssociationSetting =
  | { readonly mode: 'generated' }
  | { readonly mode: 'disabled' }
  | { readonly mode: 'static'; readonly document: unknown };

export function parseAssociation(raw: string, name: string): AssociationSetting {
  const value = raw.trim();
  if (value === 'generated' || value === 'disabled') return { mode: value };
  try {
    const document = JSON.parse(value) as unknown;
    if (typeof document === 'object' && document !== null) return { mode: 'static', document };
  } catch {
    // reported below
  }
  throw new ConfigError(name, 'must be generated, disabled, or a JSON document to serve');
}

export function parseAppLinkPaths(raw: string, name: string): readonly string[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'must be a JSON array of paths');
  }
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && p.startsWith('/')))
    throw new ConfigError(name, 'must be a JSON array of paths starting with /');
  return value as string[];
}

export function appleAppSiteAssociation(
  policies: ReadonlyMap<string, AttestationPolicy>,
  appLinkPaths: readonly string[],
): unknown {
  const appIds = [...new Set(iosPolicies(policies).flatMap((p) => p.appIds))];
  return {
    applinks: {
      details: [{ appIDs: appIds, components: appLinkPaths.map((path) => ({ '/': path })) }],
    },
    webcredentials: { apps: appIds },
  };
}

function fingerprint(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

export function assetLinks(policies: ReadonlyMap<string, AttestationPolicy>): unknown[] {
  const byPackage = new Map<string, Set<string>>();
  for (const policy of androidPolicies(policies)) {
    for (const name of policy.packageNames) {
      const digests = byPackage.get(name) ?? new Set<string>();
      for (const digest of policy.signingCertDigests) digests.add(fingerprint(digest));
      byPackage.set(name, digests);
    }
  }
  return [...byPackage]
    .filter(([, digests]) => digests.size > 0)
    .map(([packageName, digests]) => ({
      relation: [
        'delegate_permission/common.handle_all_urls',
        'delegate_permission/common.get_login_creds',
      ],
      target: {
        namespace: 'android_app',
        package_name: packageName,
        sha256_cert_fingerprints: [...digests],
      },
    }));
}
