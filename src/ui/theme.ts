/**
 * @module ui/theme
 * The THEME setting: the sign-in pages' branding without code. Every key is optional:
 *
 *   { "productName": "Example ID", "logoUrl": "https://cdn.example/logo.svg",
 *     "colors": { "primary": "#0b57d0", "background": "#f4f6fb" },
 *     "stylesheetUrl": "https://cdn.example/login.css", "css": ".card{border-radius:0}" }
 *
 * Colours become CSS custom properties of the default stylesheet (/assets/theme.css); a
 * stylesheet URL is loaded after it (and its origin added to the page's CSP), inline CSS after
 * that. Unknown keys are refused, so a typo cannot pass unnoticed.
 */
import { ConfigError } from '../config/errors';
import { jsonObject } from '../config/parsers';

/** The colours a theme may set: the default stylesheet's custom properties (`--<name>`). */
export const THEME_COLORS = [
  'primary',
  'primaryText',
  'background',
  'surface',
  'text',
  'muted',
  'border',
  'error',
  'focus',
] as const;
export type ThemeColor = (typeof THEME_COLORS)[number];

export interface Theme {
  readonly productName: string;
  readonly logoUrl: string | null;
  readonly colors: Readonly<Partial<Record<ThemeColor, string>>>;
  readonly stylesheetUrl: string | null;
  readonly css: string | null;
}

const KEYS = ['productName', 'logoUrl', 'colors', 'stylesheetUrl', 'css'];
/** #rgb, #rrggbb, #rrggbbaa, or a CSS colour keyword: nothing that could end a declaration. */
const COLOR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$/;

function url(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ConfigError(path, 'must be a URL');
  if (value.startsWith('/') && !value.startsWith('//')) return value;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(path, 'must be an https URL or a path on this server');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new ConfigError(path, 'must be an https URL or a path on this server');
  return parsed.href;
}

export function parseTheme(raw: string, name: string): Theme {
  const value = jsonObject(raw, name);
  for (const key of Object.keys(value)) {
    if (!KEYS.includes(key))
      throw new ConfigError(`${name}.${key}`, `is not a theme key (one of ${KEYS.join(', ')})`);
  }
  const productName = value.productName ?? 'edge-haapi';
  if (typeof productName !== 'string' || productName.length < 1 || productName.length > 64)
    throw new ConfigError(`${name}.productName`, 'must be a text of 1–64 characters');
  const colors: Partial<Record<ThemeColor, string>> = {};
  if (value.colors !== undefined) {
    if (typeof value.colors !== 'object' || value.colors === null || Array.isArray(value.colors))
      throw new ConfigError(`${name}.colors`, 'must be an object of colours');
    for (const [key, color] of Object.entries(value.colors)) {
      if (!(THEME_COLORS as readonly string[]).includes(key))
        throw new ConfigError(
          `${name}.colors.${key}`,
          `is not a colour (${THEME_COLORS.join(', ')})`,
        );
      if (typeof color !== 'string' || !COLOR.test(color))
        throw new ConfigError(
          `${name}.colors.${key}`,
          'must be #rgb, #rrggbb, #rrggbbaa or a colour name',
        );
      colors[key as ThemeColor] = color;
    }
  }
  const css = value.css ?? null;
  if (css !== null && (typeof css !== 'string' || css.length > 20_000 || /<\//.test(css)))
    throw new ConfigError(
      `${name}.css`,
      'must be CSS text of at most 20,000 characters, without "</"',
    );
  return {
    productName,
    logoUrl: value.logoUrl === undefined ? null : url(value.logoUrl, `${name}.logoUrl`),
    colors,
    stylesheetUrl:
      value.stylesheetUrl === undefined ? null : url(value.stylesheetUrl, `${name}.stylesheetUrl`),
    css,
  };
}

/** The page's own style block: the theme's colours as custom properties, then its inline CSS. */
export function themeStyle(theme: Theme): string {
  const properties = Object.entries(theme.colors)
    .map(([key, color]) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${color}`)
    .join(';');
  return `${properties ? `:root{${properties}}` : ''}${theme.css ?? ''}`;
}

/** The origins a page must allow for the theme's logo and stylesheet (CSP), besides its own. */
export function themeOrigin(value: string | null): string | null {
  if (!value || value.startsWith('/')) return null;
  return new URL(value).origin;
}
