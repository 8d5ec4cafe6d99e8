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
import { jsonObject, ObjectReader } from '../config/parsers';

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
  const r = new ObjectReader(jsonObject(raw, name), name);
  const productName = r.string(
    'productName',
    'edge-haapi',
    /^.{1,64}$/s,
    'must be a text of 1–64 characters',
  );
  const colors: Partial<Record<ThemeColor, string>> = {};
  const colorsValue = r.get('colors');
  if (colorsValue !== undefined) {
    const c = new ObjectReader(colorsValue, r.at('colors'));
    for (const key of THEME_COLORS) {
      const color = c.optionalString(
        key,
        COLOR,
        'must be #rgb, #rrggbb, #rrggbbaa or a colour name',
      );
      if (color !== undefined) colors[key] = color;
    }
    c.end(`is not a colour (${THEME_COLORS.join(', ')})`);
  }
  const css = r.get('css') ?? null;
  if (css !== null && (typeof css !== 'string' || css.length > 20_000 || /<\//.test(css)))
    throw new ConfigError(
      r.at('css'),
      'must be CSS text of at most 20,000 characters, without "</"',
    );
  const logoUrl = r.get('logoUrl');
  const stylesheetUrl = r.get('stylesheetUrl');
  r.end(`is not a theme key (one of ${r.keysRead().join(', ')})`);
  return {
    productName,
    logoUrl: logoUrl === undefined ? null : url(logoUrl, r.at('logoUrl')),
    colors,
    stylesheetUrl: stylesheetUrl === undefined ? null : url(stylesheetUrl, r.at('stylesheetUrl')),
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
