/**
 * @module config/settings-table
 * Renders the settings table of docs/configuration.md from the setting definitions (one source of truth).
 */
import { definitions } from './definitions';

export const TABLE_START =
  '<!-- settings-table:start (generated from src/config/definitions.ts) -->';
export const TABLE_END = '<!-- settings-table:end -->';

export function renderSettingsTable(): string {
  const rows = Object.values(definitions).map((d) => {
    const fallback =
      d.default === undefined ? '*required*' : d.default === '' ? '*empty*' : `\`${d.default}\``;
    return `| \`${d.name}\` | ${d.kind} | ${d.type} | ${fallback} | ${d.description.replace(/\|/g, '\\|')} |`;
  });
  return [
    TABLE_START,
    '| name | kind | type | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    TABLE_END,
  ].join('\n');
}
