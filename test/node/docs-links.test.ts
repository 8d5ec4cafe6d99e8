// Every relative link of the README and the docs points at a file of this repository: the
// repository stands on its own (nothing links outside it), and a moved or renamed doc is caught.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('.');
const DOCS = [
  'README.md',
  'SECURITY.md',
  'BENCHMARKS.md',
  'test/README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The targets of the Markdown links `[text](target)` of `text`, code spans and blocks left out. */
function linkTargets(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string);
}

describe('relative links in the README and docs/', () => {
  it.each(DOCS)('%s', (doc) => {
    const broken: string[] = [];
    for (const target of linkTargets(readFileSync(doc, 'utf8'))) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const path = resolve(dirname(doc), decodeURIComponent(target.split('#')[0] as string));
      const inside = !relative(ROOT, path).startsWith('..');
      if (!inside || !existsSync(path)) broken.push(target);
    }
    expect(broken, `${doc} links to what is not in this repository`).toEqual([]);
  });

  it('the docs name no file outside the repository', () => {
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      expect(text, doc).not.toMatch(/\.\.\/shared|DESIGN\.md|\bspec\/[a-z-]+\.md/);
    }
  });

  it('the README stays a newcomer guide (at most 15 KB), and the licence package.json names is there', () => {
    expect(readFileSync('README.md').length).toBeLessThanOrEqual(15 * 1024);
    const license = JSON.parse(readFileSync('package.json', 'utf8')).license;
    expect(license).toBe('Apache-2.0');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });
});
