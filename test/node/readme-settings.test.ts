// The README's settings table must be the one generated from src/config/definitions.ts.
// `npm run docs` rewrites it.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSettingsTable, TABLE_END, TABLE_START } from '../../src/config/settings-table';

describe('README settings table', () => {
  it('is current with the setting definitions', () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start, 'README.md must contain the settings table markers').toBeGreaterThanOrEqual(0);
    const current = readme.slice(start, end + TABLE_END.length);
    const expected = renderSettingsTable();
    if (process.env.UPDATE_DOCS === '1' && current !== expected) {
      writeFileSync('README.md', readme.replace(current, expected));
      return;
    }
    expect(current, 'run `npm run docs` to regenerate the README settings table').toBe(expected);
  });
});
