/**
 * The Worker as the bench measures it: src/index.ts with its D1 and Durable Object bindings
 * replaced by stand-ins that send each call to the storage process (bench/store-worker.ts, at
 * STORE_URL), so the CPU of this process is the Worker's own, as on Cloudflare, where D1 and
 * Durable Objects run elsewhere. The Worker still pays for encoding each call and its answer
 * (here JSON over a loopback fetch; on Cloudflare, RPC serialization).
 */
import worker from '../src/index';

/**
 * Console lines, written LOG_BATCH at a time. On Cloudflare a Worker's console output is collected
 * with its invocation (Workers Logs, Tail) and shipped after it, not written by the isolate's
 * thread; locally each line would be a write to Miniflare's pipe that also wakes the process
 * reading it (about 60 µs a line here, a tenth of a token request's CPU, measured with perf), a
 * cost of the local stand-in like the storage transport. The Worker still builds every line.
 */
const LOG_BATCH = 64;
const flushes: (() => void)[] = [];
for (const level of ['log', 'warn', 'error'] as const) {
  const write = console[level].bind(console);
  const lines: string[] = [];
  console[level] = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
    if (lines.length >= LOG_BATCH) write(lines.splice(0).join('\n'));
  };
  flushes.push(() => {
    if (lines.length > 0) write(lines.splice(0).join('\n'));
  });
}

let storeUrl = '';
/**
 * Storage calls sent since start-up and their summed wall time in ms (the clock advances across
 * I/O only, in whole ms: a mean over many calls), read by the bench at `GET /__bench/storage-calls`.
 */
const sent = { calls: 0, ms: 0 };

async function rpc(call: Record<string, unknown>): Promise<unknown> {
  const t0 = Date.now();
  const res = await fetch(storeUrl, { method: 'POST', body: JSON.stringify(call) });
  const body = (await res.json()) as { ok?: unknown; error?: string };
  sent.calls++;
  sent.ms += Date.now() - t0;
  if (body.error !== undefined) throw new Error(body.error);
  return body.ok;
}

function statement(sql: string, params: unknown[] = []): D1PreparedStatement {
  const run = (d1: string, extra: Record<string, unknown> = {}) =>
    rpc({ d1, sql, params, ...extra });
  return {
    bind: (...values: unknown[]) => statement(sql, values),
    first: (column?: string) => run('first', column ? { column } : {}),
    run: () => run('run'),
    all: () => run('all'),
    raw: () => run('raw'),
    sql,
    params,
  } as unknown as D1PreparedStatement;
}

const remoteDb = {
  prepare: (sql: string) => statement(sql),
  batch: (statements: D1PreparedStatement[]) =>
    rpc({
      batch: statements.map((s) => {
        const { sql, params } = s as unknown as { sql: string; params: unknown[] };
        return { sql, params };
      }),
    }),
  // Sessions read where the store reads: one database here.
  withSession: () => remoteDb,
};

function remoteNamespace(binding: string): DurableObjectNamespace {
  return {
    idFromName: (name: string) => ({ name, toString: () => name }),
    get: (id: { name: string }) =>
      new Proxy(
        { id },
        {
          get(target, method) {
            if (method === 'id') return target.id;
            if (typeof method !== 'string' || method === 'then') return undefined;
            return (...args: unknown[]) => rpc({ do: binding, name: id.name, method, args });
          },
        },
      ),
  } as unknown as DurableObjectNamespace;
}

let splitEnv: Env | undefined;

/**
 * The bench's routes of its own, answered before the app: an empty 204 (the runtime's own cost of
 * a request; bench/oidc-provider-server.mjs answers the same path before the provider), the
 * storage calls so far (the bench reads them around each unit) and `n` empty storage calls in a
 * row, each answered after `wait` ms, whose CPU is the transport's cost per call (a loopback
 * fetch and JSON here, and the thread's waking up after the wait; on Cloudflare, RPC
 * serialization). Its calls are not counted.
 */
async function benchRoute(url: URL): Promise<Response | undefined> {
  if (url.pathname === '/__bench/empty') return new Response(null, { status: 204 });
  if (url.pathname === '/__bench/storage-calls') {
    for (const flush of flushes) flush();
    return Response.json(sent);
  }
  if (url.pathname !== '/__bench/transport') return undefined;
  const n = Number(url.searchParams.get('n') ?? '0');
  const wait = Number(url.searchParams.get('wait') ?? '0');
  const before = { ...sent };
  for (let i = 0; i < n; i++) await rpc({ noop: 'bench-transport', args: [i, wait] });
  const ms = sent.ms - before.ms;
  Object.assign(sent, before);
  return Response.json({ ms });
}

export default {
  async fetch(request, env, ctx) {
    if (!splitEnv) {
      storeUrl = (env as unknown as Record<string, string>).STORE_URL as string;
      splitEnv = {
        ...env,
        DB: remoteDb as unknown as D1Database,
        HAAPI_FLOW: remoteNamespace('HAAPI_FLOW'),
        REPLAY_GUARD: remoteNamespace('REPLAY_GUARD'),
      } as Env;
    }
    const own = await benchRoute(new URL(request.url));
    return own ?? worker.fetch(request, splitEnv, ctx);
  },
} satisfies ExportedHandler<Env>;
