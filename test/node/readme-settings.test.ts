// The settings table of docs/configuration.md must be the one generated from
// src/config/definitions.ts.
// `npm run docs` rewrites it.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSettingsTable, TABLE_END, TABLE_START } from '../../src/config/settings-table';

const DOC = 'docs/configuration.md';

describe('docs/configuration.md settings table', () => {
  it('is current with the setting definitions', () => {
    const readme = readFileSync(DOC, 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start, `${DOC} must contain the settings table markers`).toBeGreaterThanOrEqual(0);
    const current = readme.slice(start, end + TABLE_END.length);
    const expected = renderSettingsTable();
    if (process.env.UPDATE_DOCS === '1' && current !== expected) {
      writeFileSync(DOC, readme.replace(current, expected));
      return;
    }
    expect(current, 'run `npm run docs` to regenerate the settings table').toBe(expected);
  });
});
