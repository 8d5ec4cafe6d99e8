// `npm start` (scripts/start.mjs) as a user meets it: settings checked before the server starts
// (an invalid value stops it with the setting's name, a misspelt name gets a warning), the
// issuer following PORT, a taken port explained, and SIGTERM to its one process stopping the
// server it started. Each run keeps its local D1 and objects in a directory of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSettings } from '../../scripts/check-settings';
import { freePort } from '../browser/worker-server';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-haapi-start-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of wrangler.toml with one [vars] line replaced, and a .dev.vars with `devVars`. */
function config(replace: [RegExp, string] | null, devVars: string): { toml: string; vars: string } {
  const dir = tempDir();
  const toml = join(dir, 'wrangler.toml');
  copyFileSync('wrangler.toml', toml);
  if (replace) writeFileSync(toml, readFileSync(toml, 'utf8').replace(replace[0], replace[1]));
  const vars = join(dir, '.dev.vars');
  writeFileSync(vars, devVars);
  return { toml, vars };
}

const SECRETS = `SIGNING_KEYS='{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","kid":"t","alg":"ES256"}]}'
SERVER_SECRET=dGVzdC1zZXJ2ZXItc2VjcmV0LW9mLTMyLWJ5dGVzLWF0LWxlYXN0
`;

describe('the settings check before wrangler dev (scripts/check-settings.ts)', () => {
  it('passes the demo configuration', () => {
    const { toml, vars } = config(null, SECRETS);
    expect(checkSettings([], toml, vars)).toEqual({ warnings: [] });
  });

  it('stops on an invalid value, naming the setting', () => {
    const { toml, vars } = config(null, `${SECRETS}ACCESS_TOKEN_TTL="5m"\n`);
    expect(checkSettings([], toml, vars).error).toBe(
      'ACCESS_TOKEN_TTL must be a whole number (got "5m")',
    );
  });

  it('stops on broken JSON in ATTESTATION, with its name', () => {
    const { toml, vars } = config(null, SECRETS);
    expect(checkSettings(['ATTESTATION:{"android-dev": '], toml, vars).error).toBe(
      'ATTESTATION must be valid JSON',
    );
  });

  it('warns about a name that is no setting, with the closest one', () => {
    const { toml, vars } = config(
      [/^CORS_ORIGINS =/m, 'ACCES_TOKEN_TTL = "300"\nCORS_ORIGINS ='],
      SECRETS,
    );
    expect(checkSettings([], toml, vars).warnings).toEqual([
      'ACCES_TOKEN_TTL is not a setting edge-haapi reads (did you mean ACCESS_TOKEN_TTL?); it is ignored',
    ]);
  });
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function start(
  port: number,
  persist: string,
  args: string[] = [],
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['scripts/start.mjs', ...args], {
    env: { ...process.env, PORT: String(port), PERSIST_TO: persist },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

describe('npm start (scripts/start.mjs)', () => {
  it('serves with the issuer of its port, and SIGTERM to its process stops the server', async () => {
    const port = await freePort();
    const { child, output } = start(port, tempDir());
    let discovery: { issuer?: string } | undefined;
    for (let i = 0; i < 240 && !discovery && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 500));
      try {
        const res = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
        if (res.ok) discovery = (await res.json()) as { issuer?: string };
      } catch {
        // not up yet
      }
    }
    expect(discovery?.issuer, output()).toBe(`http://127.0.0.1:${port}`);
    // A change to the configuration while it runs is checked again (content unchanged here).
    const now = new Date();
    utimesSync('wrangler.toml', now, now);
    for (let i = 0; i < 60 && !output().includes('settings checked again: valid'); i++)
      await new Promise((r) => setTimeout(r, 250));
    expect(output()).toContain('edge-haapi: settings checked again: valid');
    child.kill('SIGTERM');
    await exited(child);
    let open = true;
    for (let i = 0; i < 40 && open; i++) {
      await new Promise((r) => setTimeout(r, 250));
      open = await listening(port);
    }
    expect(open, 'wrangler or workerd still serves after SIGTERM').toBe(false);
  }, 180_000);

  it('stops before wrangler dev on an invalid setting, naming it', async () => {
    const port = await freePort();
    const { child, output } = start(port, tempDir(), ['--var', 'ACCESS_TOKEN_TTL:5m']);
    expect(await exited(child)).toBe(1);
    expect(output()).toContain(
      'edge-haapi: setting ACCESS_TOKEN_TTL must be a whole number (got "5m")',
    );
    expect(await listening(port)).toBe(false);
  }, 180_000);

  it('explains a taken port and exits 1', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const { child, output } = start(port, tempDir());
      expect(await exited(child)).toBe(1);
      expect(output()).toContain(`port ${port} on 127.0.0.1 is taken`);
      expect(output()).toContain('PORT=8788 npm start');
    } finally {
      blocker.close();
    }
  }, 180_000);
});
