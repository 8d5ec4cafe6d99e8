// `npm run admin` against a local D1 (its own persistence directory) and a key file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'edge-haapi-admin-'));
const admin = (...args: string[]) =>
  spawnSync(
    process.execPath,
    ['scripts/run-ts.mjs', 'scripts/admin-cli.ts', '--persist-to', dir, ...args],
    { encoding: 'utf8' },
  );

describe('admin CLI', () => {
  it('applies the schema, manages accounts and clients in local D1, and refuses bad input', () => {
    expect(admin('schema').status).toBe(0);
    expect(admin('accounts', 'add', 'alice', 'Alice-pass-1', '{"name":"Alice"}').status).toBe(0);
    const accounts = JSON.parse(admin('accounts', 'list').stdout) as {
      username: string;
      attributes: string;
    }[];
    expect(accounts.map((a) => a.username)).toEqual(['alice']);
    expect(admin('accounts', 'set-password', 'alice', 'Alice-pass-2').status).toBe(0);

    const added = admin(
      'clients',
      'add',
      JSON.stringify({
        client_id: 'cli-app',
        secret: 'a-chosen-secret',
        grant_types: ['client_credentials'],
        scope: 'read',
      }),
    );
    expect(added.status).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      client_id: 'cli-app',
      has_secret: true,
      grant_types: ['client_credentials'],
    });
    const updated = admin('clients', 'update', 'cli-app', '{"scope":"read write"}');
    expect(JSON.parse(updated.stdout)).toMatchObject({ scopes: 'read write' });

    const bad = admin('clients', 'add', '{"client_id":"cli-bad","grant_types":"all"}');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('refused: grant_types must be an array of strings');
    const listed = JSON.parse(admin('clients', 'list').stdout) as { client_id: string }[];
    expect(listed.map((c) => c.client_id)).toEqual(['cli-app']);

    expect(admin('clients', 'remove', 'cli-app').status).toBe(0);
    expect(JSON.parse(admin('clients', 'list').stdout)).toEqual([]);
    expect(admin('accounts', 'remove', 'alice').status).toBe(0);
    expect(admin('nonsense').status).toBe(2);
  }, 120_000);

  it('stages a signing key with nbf in the future, then prunes an old one', () => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [{ kty: 'EC', kid: 'old', alg: 'ES256' }] }));
    const rotated = admin('keys', 'rotate', '--file', file, '--activate-in', '900');
    expect(rotated.status).toBe(0);
    const keys = (
      JSON.parse(readFileSync(file, 'utf8')) as {
        keys: { kid: string; nbf?: number; d?: string }[];
      }
    ).keys;
    expect(keys).toHaveLength(2);
    expect(keys[0]?.d).toBeTruthy();
    expect(keys[0]?.nbf).toBeGreaterThan(Date.now() / 1000 + 800);
    expect(keys[1]?.kid).toBe('old');
    expect(admin('keys', 'prune', 'old', '--file', file).status).toBe(0);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { keys: unknown[] }).keys).toHaveLength(1);
    expect(admin('keys', 'prune', keys[0]?.kid as string, '--file', file).status).toBe(1);
  }, 60_000);
});
