/**
 * @module tokens/assurance
 * Client assurance levels in order (`none` < `by-provisioned-key` < `by-policy`) and the minimums
 * that clients (`min_cal`) and scopes (SCOPE_MIN_CAL) can require of a login.
 */
import { ConfigError } from '../config/errors';
import { jsonObject } from '../config/parsers';
import type { ClientAssuranceLevel } from './auth-context';

export const ASSURANCE_ORDER: readonly ClientAssuranceLevel[] = [
  'none',
  'by-provisioned-key',
  'by-policy',
];

export function atLeast(
  level: ClientAssuranceLevel | undefined,
  minimum: ClientAssuranceLevel,
): boolean {
  return ASSURANCE_ORDER.indexOf(level ?? 'none') >= ASSURANCE_ORDER.indexOf(minimum);
}

export function parseScopeMinCal(
  raw: string,
  name: string,
): Readonly<Record<string, ClientAssuranceLevel>> {
  const value = jsonObject(raw, name);
  for (const [scope, level] of Object.entries(value)) {
    if (!ASSURANCE_ORDER.includes(level as ClientAssuranceLevel)) {
      throw new ConfigError(`${name}.${scope}`, `must be one of ${ASSURANCE_ORDER.join(', ')}`);
    }
  }
  return value as Record<string, ClientAssuranceLevel>;
}

/** The minimum a login needs: the client's and every requested scope's, the highest wins. */
export function requiredAssurance(
  clientMin: ClientAssuranceLevel | null,
  scopeMins: Readonly<Record<string, ClientAssuranceLevel>>,
  scopes: readonly string[],
): ClientAssuranceLevel | null {
  const levels = [clientMin, ...scopes.map((s) => scopeMins[s] ?? null)].filter(
    (l): l is ClientAssuranceLevel => l !== null,
  );
  if (levels.length === 0) return null;
  return levels.reduce((a, b) =>
    ASSURANCE_ORDER.indexOf(a) >= ASSURANCE_ORDER.indexOf(b) ? a : b,
  );
}
