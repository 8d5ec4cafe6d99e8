/**
 * `npm start`'s settings check, before `wrangler dev` starts: parses the settings the Worker will
 * get (wrangler.toml's [vars], then .dev.vars over them, then `--var NAME:value` overrides) with
 * the Worker's own parser, so a bad value stops the start with the setting's name instead of a
 * server that answers every request with a 500. Names that are neither a setting nor a binding
 * get a warning (with the closest setting's name). Exit status: 0 valid, 1 invalid.
 *
 * Usage: node scripts/run-ts.mjs scripts/check-settings.ts [--var NAME:value ...]
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { definitions } from '../src/config/definitions';
import { ConfigError } from '../src/config/errors';
import { parseSettings } from '../src/config/settings';

/** The settings wrangler dev gives the Worker: [vars], .dev.vars over them, then overrides. */
export function effectiveVars(
  overrides: readonly string[],
  configPath = 'wrangler.toml',
  devVarsPath = '.dev.vars',
): { vars: Record<string, string>; bindings: Set<string> } {
  const config = unstable_readConfig({ config: configPath });
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.vars ?? {})) {
    vars[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (existsSync(devVarsPath)) {
    for (const [name, value] of Object.entries(parseEnv(readFileSync(devVarsPath, 'utf8')))) {
      if (value !== undefined) vars[name] = value;
    }
  }
  for (const override of overrides) {
    const at = override.indexOf(':');
    if (at > 0) vars[override.slice(0, at)] = override.slice(at + 1);
  }
  const named = (list: readonly { binding?: string; name?: string }[] | undefined) =>
    (list ?? []).map((item) => item.binding ?? item.name ?? '');
  const bindings = new Set<string>([
    ...named(config.d1_databases),
    ...named(config.durable_objects?.bindings),
    ...named(config.kv_namespaces),
    ...named(config.analytics_engine_datasets),
    ...named(config.ratelimits),
    ...(config.assets?.binding ? [config.assets.binding] : []),
  ]);
  return { vars, bindings };
}

/** Edit distance, for "did you mean" (names are short). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + cost,
      );
    }
    row = next;
  }
  return row[b.length] as number;
}

/** Warnings for names that no setting and no binding has. */
export function unknownNames(vars: Record<string, string>, bindings: Set<string>): string[] {
  const known = Object.values(definitions).map((d) => d.name);
  return Object.keys(vars)
    .filter((name) => !known.includes(name) && !bindings.has(name))
    .map((name) => {
      const closest = known.map((k) => ({ k, d: distance(name, k) })).sort((x, y) => x.d - y.d)[0];
      const hint = closest && closest.d <= 3 ? ` (did you mean ${closest.k}?)` : '';
      return `${name} is not a setting edge-haapi reads${hint}; it is ignored`;
    });
}

/** The check itself: the warnings, and the error that stops the start (undefined: valid). */
export function checkSettings(
  overrides: readonly string[],
  configPath = 'wrangler.toml',
  devVarsPath = '.dev.vars',
): { warnings: string[]; error?: string } {
  const { vars, bindings } = effectiveVars(overrides, configPath, devVarsPath);
  const warnings = unknownNames(vars, bindings);
  try {
    parseSettings(vars);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { warnings, error: err.message };
  }
  return { warnings };
}

export function main(args: string[]): number {
  const overrides: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--var' && args[i + 1] !== undefined) overrides.push(args[++i] as string);
  }
  const { warnings, error } = checkSettings(overrides);
  for (const warning of warnings) console.warn(`edge-haapi: warning: ${warning}`);
  if (error === undefined) return 0;
  console.error(
    `edge-haapi: setting ${error}.\n  Fix it in wrangler.toml ([vars]) or .dev.vars, then run npm start again.`,
  );
  return 1;
}
