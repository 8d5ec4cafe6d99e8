/**
 * @module config/parsers
 * Small parsers for setting values. Each takes the raw string and the setting's name, returns the
 * typed value or throws a ConfigError that names the setting and the problem.
 */
import { ConfigError } from './errors';

export type Parser<T> = (raw: string, name: string) => T;

export const text: Parser<string> = (raw, name) => {
  const value = raw.trim();
  if (value === '') throw new ConfigError(name, 'must not be empty');
  return value;
};

export function integer(min: number, max: number): Parser<number> {
  return (raw, name) => {
    const value = Number(raw.trim());
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
      throw new ConfigError(name, `must be a whole number (got ${JSON.stringify(raw)})`);
    }
    if (value < min || value > max) {
      throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
    }
    return value;
  };
}

export function oneOf<T extends string>(...values: readonly T[]): Parser<T> {
  return (raw, name) => {
    const value = raw.trim();
    if (!(values as readonly string[]).includes(value)) {
      throw new ConfigError(
        name,
        `must be one of ${values.join(', ')} (got ${JSON.stringify(raw)})`,
      );
    }
    return value as T;
  };
}

export const boolean: Parser<boolean> = (raw, name) => {
  const value = raw.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(name, `must be true or false (got ${JSON.stringify(raw)})`);
};

/** An absolute http(s) URL with no query, fragment or trailing slash (RFC 8414 §2 `issuer`). */
export const issuerUrl: Parser<string> = (raw, name) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(name, `must be an absolute URL (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, `must use https (or http for local development)`);
  }
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    throw new ConfigError(name, 'must not have a query or fragment (RFC 8414 §2)');
  }
  if (url.username || url.password) throw new ConfigError(name, 'must not contain credentials');
  return url.href.replace(/\/$/, '');
};

/** A path beginning with `/`, made of URL path characters only. */
export const path: Parser<string> = (raw, name) => {
  const value = raw.trim();
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value) || value.includes('//')) {
    throw new ConfigError(
      name,
      `must be a path such as /oauth/v2/token (got ${JSON.stringify(raw)})`,
    );
  }
  return value.length > 1 ? value.replace(/\/$/, '') : value;
};

/** A comma- or space-separated list of web origins (`scheme://host[:port]`), possibly empty. */
export const origins: Parser<readonly string[]> = (raw, name) => {
  const list = raw.split(/[\s,]+/).filter(Boolean);
  return list.map((item) => {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new ConfigError(
        name,
        `must list origins such as https://app.example (got ${JSON.stringify(item)})`,
      );
    }
    if (
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.origin !== item.replace(/\/$/, '')
    ) {
      throw new ConfigError(
        name,
        `must list origins only, without paths (got ${JSON.stringify(item)})`,
      );
    }
    return url.origin;
  });
};

/** A JSON object (structured settings that later modules parse further). */
export const jsonObject: Parser<Readonly<Record<string, unknown>>> = (raw, name) => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'must be valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(name, 'must be a JSON object');
  }
  return value as Record<string, unknown>;
};

/** Random key material given as base64url (or standard base64), at least `minBytes` long. */
export function secretBytes(minBytes: number): Parser<string> {
  return (raw, name) => {
    const value = raw.trim();
    if (!/^[A-Za-z0-9_\-+/]+={0,2}$/.test(value)) {
      throw new ConfigError(name, 'must be base64url-encoded random bytes');
    }
    const bytes = Math.floor((value.replace(/=+$/, '').length * 3) / 4);
    if (bytes < minBytes) {
      throw new ConfigError(name, `must carry at least ${minBytes} bytes (got ${bytes})`);
    }
    return value;
  };
}

/** An absolute https URL, or empty for "none". */
export const optionalUrl: Parser<string | null> = (raw, name) => {
  const value = raw.trim();
  if (value === '') return null;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    return url.href;
  } catch {
    throw new ConfigError(name, `must be an http(s) URL or empty (got ${JSON.stringify(raw)})`);
  }
};

/** An optional secret: empty for none, else at least `minLength` characters. */
export function optionalSecret(minLength: number): Parser<string | null> {
  return (raw, name) => {
    if (raw === '') return null;
    if (raw.length < minLength)
      throw new ConfigError(name, `must be empty or at least ${minLength} characters`);
    return raw;
  };
}

/** Zero or more PEM certificates, concatenated (`\n` escapes allowed, as .dev.vars needs). */
export const pemBundle: Parser<readonly string[]> = (raw, name) => {
  const text = raw.replace(/\\n/g, '\n');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0 && text.trim() !== '')
    throw new ConfigError(name, 'must be PEM certificates (-----BEGIN CERTIFICATE-----)');
  return blocks;
};

/**
 * The one reader of the JSON settings' objects (ATTESTATION policies, AUTHENTICATORS entries,
 * WEBAUTHN): each error names the path of the value (`ATTESTATION.android-dev.minSecurityLevel`),
 * and `end()` refuses every key that was never read, so a misspelt option (`minSecuritylevel`)
 * stops the server instead of silently leaving a security check at its default.
 */
export class ObjectReader {
  private readonly read = new Set<string>();
  private readonly value: Readonly<Record<string, unknown>>;

  constructor(
    value: unknown,
    readonly path: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ConfigError(path, 'must be an object');
    this.value = value as Record<string, unknown>;
  }

  /** The raw value of `key` (marked as read). */
  get(key: string): unknown {
    this.read.add(key);
    return this.value[key];
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  string(key: string, fallback?: string, pattern?: RegExp, rule?: string): string {
    const v = this.get(key) ?? fallback;
    if (typeof v !== 'string' || v === '' || (pattern && !pattern.test(v)))
      throw new ConfigError(this.at(key), rule ?? 'must be a non-empty string');
    return v;
  }

  optionalString(key: string, pattern: RegExp, rule: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !pattern.test(v)) throw new ConfigError(this.at(key), rule);
    return v;
  }

  strings(key: string, fallback?: string[], pattern?: RegExp): string[] {
    const v = this.get(key) ?? fallback;
    if (
      !Array.isArray(v) ||
      !v.every((s) => typeof s === 'string' && (!pattern || pattern.test(s)))
    ) {
      throw new ConfigError(
        this.at(key),
        `must be an array of strings${pattern ? ` matching ${pattern}` : ''}`,
      );
    }
    return v as string[];
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.get(key) ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(this.at(key), 'must be true or false');
    return v;
  }

  optionalInteger(key: string, min: number, max: number): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new ConfigError(this.at(key), `must be a whole number between ${min} and ${max}`);
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.get(key) ?? fallback;
    if (!values.includes(v as T))
      throw new ConfigError(this.at(key), `must be one of ${values.join(', ')}`);
    return v as T;
  }

  /** The keys read so far (the options this object has). */
  keysRead(): string[] {
    return [...this.read];
  }

  /**
   * Refuses the keys nothing read. Call once every option of the object has been read; `rule`
   * says what an unknown key is not (default: an option, listing the known ones).
   */
  end(rule?: string): void {
    const unknown = Object.keys(this.value).find((key) => !this.read.has(key));
    if (unknown !== undefined) {
      throw new ConfigError(
        this.at(unknown),
        rule ?? `is not an option here (known: ${this.keysRead().join(', ')})`,
      );
    }
  }
}
