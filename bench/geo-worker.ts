/**
 * The geo model's Worker (bench/geo.ts): the real Worker (src/index.ts) with its storage bindings
 * wrapped so that every call first waits the round trip a far user would pay to where that storage
 * lives, and counts it. The classification (documented in BENCHMARKS.md, "Geo model"):
 *  - D1 through the primary (`env.DB.prepare`, `batch`, `exec`, and writes in a session): **far**.
 *    D1 has one primary, in one region.
 *  - D1 reads in a Sessions API session (`env.DB.withSession(...)`): **near** (a read replica in the
 *    user's region; D1 read replication places replicas in every region).
 *  - A Durable Object named for an entity of this user and first used by this user's request (a
 *    flow, a device key, a value the server issued to this user): **near**. A Durable Object with a
 *    fixed, shared name (the `shard-N` ReplayGuard objects, anything named for a shared client):
 *    **far**, since it lives where it was first used, by anyone.
 * Requests are sent one at a time (the bench runs its logins sequentially), so the counts of the
 * request in flight are module state; calls still under way when the response is ready (work
 * left to `ctx.waitUntil`) are delayed like the rest but are not on the critical path: counted
 * apart as `deferred`.
 * Round trips are GEO_FAR_MS and GEO_NEAR_MS (vars); the response carries
 * `X-Geo-Trips: far=<n>;near=<n>;deferred=<n>;far-kinds=<kind,kind>`.
 */
import worker from '../src/index';

export { HaapiFlow } from '../durable-objects/haapi-flow';
export { ReplayGuard } from '../durable-objects/replay-guard';

interface Trip {
  readonly where: 'far' | 'near';
  readonly kind: string;
  done: boolean;
}
interface Trips {
  list: Trip[];
}
let current: Trips | null = null;
let farMs = 200;
let nearMs = 3;

async function trip(where: 'far' | 'near', kind: string): Promise<void> {
  const entry: Trip = { where, kind, done: false };
  current?.list.push(entry);
  const ms = where === 'far' ? farMs : nearMs;
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  entry.done = true;
}

/**
 * Names of objects that are shared by every user (so far from most of them). A client's own
 * assertion objects (`client:…`) count as near: only clients used from one place get them (a
 * dynamic client, which is one device; a backend), never an app client shared by its installs.
 */
function isSharedName(name: string): boolean {
  return /^shard-\d+$/.test(name) || name.startsWith('shared:');
}

const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b/i;

/** Statements unwrapped for batch() (D1 checks they are its own). */
const inner = new WeakMap<object, D1PreparedStatement>();

function wrapStatement(
  raw: D1PreparedStatement,
  where: 'far' | 'near',
  kind: string,
): D1PreparedStatement {
  const wrapped = new Proxy(raw, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === 'bind')
        return (...args: unknown[]) => wrapStatement(target.bind(...args), where, kind);
      if (prop === 'first' || prop === 'run' || prop === 'all' || prop === 'raw')
        return async (...args: unknown[]) => {
          await trip(where, kind);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  inner.set(wrapped, raw);
  return wrapped;
}

function wrapDatabase(db: D1Database | D1DatabaseSession, session: boolean): D1Database {
  return new Proxy(db as D1Database, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === 'prepare')
        return (sql: string) => {
          const write = WRITE.test(sql);
          const kind = `d1${session ? '-session' : ''}:${sql.trim().split(/\s+/)[0]?.toLowerCase()}`;
          return wrapStatement(target.prepare(sql), session && !write ? 'near' : 'far', kind);
        };
      if (prop === 'batch')
        return async (statements: D1PreparedStatement[]) => {
          await trip('far', 'd1:batch');
          return target.batch(statements.map((s) => inner.get(s) ?? s));
        };
      if (prop === 'exec')
        return async (sql: string) => {
          await trip('far', 'd1:exec');
          return (target as D1Database).exec(sql);
        };
      if (prop === 'withSession')
        return (...args: unknown[]) =>
          wrapDatabase((value as (...a: unknown[]) => D1DatabaseSession).apply(target, args), true);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function wrapNamespace(namespace: DurableObjectNamespace, label: string): DurableObjectNamespace {
  const names = new WeakMap<object, string>();
  return new Proxy(namespace, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'idFromName')
        return (name: string) => {
          const id = target.idFromName(name);
          names.set(id, name);
          return id;
        };
      if (prop === 'get')
        return (id: DurableObjectId, options?: unknown) => {
          const stub = (target.get as (i: DurableObjectId, o?: unknown) => DurableObjectStub).call(
            target,
            id,
            options,
          );
          const name = names.get(id) ?? '';
          const where = isSharedName(name) ? 'far' : 'near';
          return new Proxy(stub, {
            get(s, method) {
              if (typeof method !== 'string' || method === 'then') return undefined;
              const rpc = s as unknown as Record<string, (...a: unknown[]) => unknown>;
              return async (...args: unknown[]) => {
                await trip(where, `${label}.${method}`);
                return rpc[method]?.(...args);
              };
            },
          });
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

let wrappedEnv: Env | undefined;
let wrappedFrom: Env | undefined;

function geoEnv(env: Env): Env {
  if (wrappedEnv && wrappedFrom === env) return wrappedEnv;
  const vars = env as unknown as Record<string, string>;
  farMs = Number(vars.GEO_FAR_MS ?? '200');
  nearMs = Number(vars.GEO_NEAR_MS ?? '3');
  wrappedFrom = env;
  wrappedEnv = {
    ...env,
    DB: wrapDatabase(env.DB, false),
    HAAPI_FLOW: wrapNamespace(env.HAAPI_FLOW as unknown as DurableObjectNamespace, 'flow'),
    REPLAY_GUARD: wrapNamespace(env.REPLAY_GUARD as unknown as DurableObjectNamespace, 'guard'),
  } as Env;
  return wrappedEnv;
}

export default {
  async fetch(request, env, ctx) {
    const trips: Trips = { list: [] };
    current = trips;
    try {
      const response = await worker.fetch(request, geoEnv(env), ctx);
      // Trips still under way when the response is ready (ctx.waitUntil work) are not on the
      // critical path: reported apart.
      const done = trips.list.filter((t) => t.done);
      const far = done.filter((t) => t.where === 'far');
      const out = new Response(response.body, response);
      out.headers.set(
        'X-Geo-Trips',
        `far=${far.length};near=${done.length - far.length};deferred=${trips.list.length - done.length};far-kinds=${far.map((t) => t.kind).join(',')}`,
      );
      return out;
    } finally {
      current = null;
    }
  },
} satisfies ExportedHandler<Env>;
