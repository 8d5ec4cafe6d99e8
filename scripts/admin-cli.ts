/**
 * @module scripts/admin-cli
 * `npm run admin -- [--local | --remote] [--persist-to DIR] <command>`: manages clients, templates,
 * accounts, WebAuthn devices and signing keys. Database commands run one SQL statement each on
 * the D1 database DB through `wrangler d1 execute` (local by default, `--remote` for the deployed
 * one), built from the same validation and statements as the admin HTTP API.
 *
 *   schema                                      apply schema.sql
 *   clients list | get <id> | add <json> | update <id> <json> | remove <id>
 *   templates revoke-dynamic <template id>
 *   accounts list | add <username> <password> [attributes json] | set-password <username> <password> | end-sessions <username> | remove <username>
 *   devices list <username> | remove <credential id>
 *   keys rotate [--file PATH] [--activate-in SECONDS]   stage a new ES256 key (default file: .dev.vars)
 *   keys prune <kid> [--file PATH]                      drop a key once its tokens have expired
 *
 * Account passwords are hashed here (PBKDF2-SHA256, 100,000 iterations), with PASSWORD_PEPPER
 * from the environment or, locally, from .dev.vars. Exit 0 on success, 1 on refused input, 2 on
 * usage errors.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import { clientColumns, clientId, clientView } from '../src/admin/client-input';
import { hashPassword } from '../src/crypto/secret-hash';
import { OAuthError } from '../src/errors/oauth-error';
import { inline, type Statement, statements } from '../src/storage/admin-statements';

const USAGE = `usage: npm run admin -- [--local | --remote] [--persist-to DIR] <command>
  schema
  clients list | get <id> | add <json> | update <id> <json> | remove <id>
  templates revoke-dynamic <template id>
  accounts list | add <username> <password> [attributes json] | set-password <username> <password> | end-sessions <username> | remove <username>
  devices list <username> | remove <credential id>
  keys rotate [--file PATH] [--activate-in SECONDS] | keys prune <kid> [--file PATH]`;

class UsageError extends Error {}

interface Options {
  target: '--local' | '--remote';
  persistTo?: string;
  file: string;
  activateIn: number;
  rest: string[];
}

function parseOptions(args: readonly string[]): Options {
  const options: Options = { target: '--local', file: '.dev.vars', activateIn: 600, rest: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--local' || arg === '--remote') options.target = arg;
    else if (arg === '--persist-to') options.persistTo = args[++i];
    else if (arg === '--file') options.file = args[++i] as string;
    else if (arg === '--activate-in') options.activateIn = Number(args[++i]);
    else options.rest.push(arg);
  }
  if (!Number.isInteger(options.activateIn) || options.activateIn < 0)
    throw new UsageError('--activate-in must be seconds');
  return options;
}

function d1(
  options: Options,
  sqlOrFile: { command: string } | { file: string },
): Record<string, unknown>[] {
  const args = [
    'node_modules/wrangler/bin/wrangler.js',
    'd1',
    'execute',
    'DB',
    options.target,
    '--json',
    '--yes',
  ];
  if (options.persistTo) args.push('--persist-to', options.persistTo);
  if ('command' in sqlOrFile) args.push('--command', sqlOrFile.command);
  else args.push('--file', sqlOrFile.file);
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true' },
  });
  const parsed = JSON.parse(out.slice(out.indexOf('['))) as {
    results: Record<string, unknown>[];
    meta?: { changes?: number };
  }[];
  return parsed[0]?.results ?? [];
}

function exec(options: Options, statement: Statement): Record<string, unknown>[] {
  return d1(options, { command: inline(statement) });
}

function devVar(name: string): string | undefined {
  if (!existsSync('.dev.vars')) return undefined;
  const match = new RegExp(`^${name}=['"]?(.*?)['"]?$`, 'm').exec(
    readFileSync('.dev.vars', 'utf8'),
  );
  return match?.[1];
}

function pepper(options: Options): string | null {
  return (
    process.env.PASSWORD_PEPPER ||
    (options.target === '--local' ? devVar('PASSWORD_PEPPER') : undefined) ||
    null
  );
}

function json(text: string | undefined, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text ?? '');
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new OAuthError('invalid_request', `${what} must be a JSON object`);
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/** Reads the key set from `.dev.vars` (SIGNING_KEYS='…') or a JSON file, and writes it back. */
function keyFile(path: string): {
  keys: Record<string, unknown>[];
  save: (keys: Record<string, unknown>[]) => void;
} {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (path.endsWith('.dev.vars')) {
    const match = /^SIGNING_KEYS='(.*)'$/m.exec(text);
    if (!match) throw new UsageError(`${path} has no SIGNING_KEYS line (run npm start once)`);
    return {
      keys: (JSON.parse(match[1] as string) as { keys: Record<string, unknown>[] }).keys,
      save: (keys) =>
        writeFileSync(path, text.replace(match[0], `SIGNING_KEYS='${JSON.stringify({ keys })}'`), {
          mode: 0o600,
        }),
    };
  }
  return {
    keys: text ? (JSON.parse(text) as { keys: Record<string, unknown>[] }).keys : [],
    save: (keys) => writeFileSync(path, `${JSON.stringify({ keys })}\n`, { mode: 0o600 }),
  };
}

async function command(options: Options): Promise<void> {
  const [resource, action, a, b, c] = options.rest;
  switch (`${resource} ${action ?? ''}`.trim()) {
    case 'schema':
      d1(options, { file: 'schema.sql' });
      console.log('schema applied');
      return;
    case 'clients list':
      return print(exec(options, statements.listClients()));
    case 'clients get': {
      const row = exec(options, statements.getClient(clientId(a)))[0];
      if (!row) throw new OAuthError('invalid_request', `no client ${a}`);
      return print(clientView(row));
    }
    case 'clients add': {
      const body = json(a, 'the client');
      const id = clientId(body.client_id);
      exec(options, statements.insertClient(id, await clientColumns(body)));
      return print(clientView(exec(options, statements.getClient(id))[0] ?? {}));
    }
    case 'clients update': {
      const id = clientId(a);
      exec(options, statements.updateClient(id, await clientColumns(json(b, 'the changes'))));
      return print(clientView(exec(options, statements.getClient(id))[0] ?? {}));
    }
    case 'clients remove':
      exec(options, statements.deleteClient(clientId(a)));
      console.log(`removed ${a}`);
      return;
    case 'templates revoke-dynamic':
      exec(options, statements.revokeTemplateClients(clientId(a)));
      console.log(`revoked the dynamic clients of ${a}`);
      return;
    case 'accounts list':
      return print(exec(options, statements.listAccounts()));
    case 'accounts add': {
      if (!a || !b || b.length < 8)
        throw new OAuthError(
          'invalid_request',
          'accounts add needs a username and a password of at least 8 characters',
        );
      const attributes = c ? json(c, 'the attributes') : {};
      exec(
        options,
        statements.insertAccount(
          crypto.randomUUID(),
          a,
          await hashPassword(b, pepper(options)),
          JSON.stringify(attributes),
        ),
      );
      console.log(`added ${a}`);
      return;
    }
    case 'accounts set-password':
      if (!a || !b || b.length < 8)
        throw new OAuthError(
          'invalid_request',
          'set-password needs a username and a password of at least 8 characters',
        );
      exec(options, statements.setPassword(a, await hashPassword(b, pepper(options))));
      console.log(`password set for ${a}`);
      return;
    case 'accounts end-sessions':
      exec(options, statements.endSessions(a ?? ''));
      console.log(`single sign-on sessions of ${a} ended`);
      return;
    case 'accounts remove':
      exec(options, statements.deleteAccount(a ?? ''));
      console.log(`removed ${a}`);
      return;
    case 'devices list':
      return print(exec(options, statements.listDevices(a ?? '')));
    case 'devices remove':
      exec(options, statements.deleteDevice(a ?? ''));
      console.log(`removed device ${a}`);
      return;
    case 'keys rotate': {
      const file = keyFile(options.file);
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const nbf = Math.floor(Date.now() / 1000) + options.activateIn;
      const kid = `k-${new Date(nbf * 1000).toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
      file.save([{ ...(await exportJWK(privateKey)), kid, alg: 'ES256', nbf }, ...file.keys]);
      console.log(
        `staged ${kid}: published now, signs from ${new Date(nbf * 1000).toISOString()}; keep the previous keys until their tokens expire, then "keys prune <kid>"`,
      );
      return;
    }
    case 'keys prune': {
      const file = keyFile(options.file);
      const kept = file.keys.filter((k) => k.kid !== a);
      if (kept.length === file.keys.length) throw new OAuthError('invalid_request', `no key ${a}`);
      if (kept.length === 0)
        throw new OAuthError('invalid_request', 'refusing to remove the last key');
      file.save(kept);
      console.log(`removed ${a}`);
      return;
    }
    default:
      throw new UsageError(`unknown command "${options.rest.join(' ')}"`);
  }
}

export async function main(args: readonly string[]): Promise<number> {
  try {
    await command(parseOptions(args));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof OAuthError) {
      console.error(`refused: ${err.description}`);
      return 1;
    }
    const stderr = (err as { stderr?: string }).stderr;
    console.error(`failed: ${stderr?.trim() || (err as Error).message}`);
    return 1;
  }
}
