/**
 * The bench's storage process (bench/split-worker.ts): D1 and the Durable Objects, in a workerd of
 * their own, so that the CPU the bench counts for the Worker is the Worker's (on Cloudflare, D1
 * and Durable Objects run outside the Worker too). It answers `POST /rpc` with JSON:
 *   {"do": "<binding>", "name": "<object name>", "method": "<rpc method>", "args": [...]}
 *   {"d1": "<first|run|all|raw>", "sql": "...", "params": [...], "column"?: "..."}
 *   {"batch": [{"sql": "...", "params": [...]}, ...]}
 *   {"noop": "<label>", "args": [i, waitMs]} (the bench's transport calibration: one single
 *     use in a warm object, answered after waitMs at the soonest; null)
 * → {"ok": <result>} or {"error": "<message>"} (the caller rethrows it).
 */
export { HaapiFlow } from '../durable-objects/haapi-flow';
export { ReplayGuard } from '../durable-objects/replay-guard';

interface Call {
  /** An empty call (bench/split-worker.ts measures the transport's cost with it). */
  noop?: string;
  do?: 'HAAPI_FLOW' | 'REPLAY_GUARD';
  name?: string;
  method?: string;
  args?: unknown[];
  d1?: 'first' | 'run' | 'all' | 'raw';
  sql?: string;
  params?: unknown[];
  column?: string;
  batch?: { sql: string; params: unknown[] }[];
}

async function answer(call: Call, env: Env): Promise<unknown> {
  if (call.noop) {
    // What a typical call makes the store do (a single use recorded in a warm object), then the
    // rest of the wait the bench asked for.
    const guard = env.REPLAY_GUARD.get(env.REPLAY_GUARD.idFromName('bench-transport'));
    const t0 = Date.now();
    await guard.use(crypto.randomUUID().replaceAll('-', '').padEnd(64, '0'), 60);
    const wait = Number(call.args?.[1] ?? 0) - (Date.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return null;
  }
  if (call.do) {
    const namespace = env[call.do] as unknown as DurableObjectNamespace;
    const stub = namespace.get(namespace.idFromName(call.name as string)) as unknown as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
    return stub[call.method as string]?.(...(call.args ?? []));
  }
  if (call.batch) {
    return env.DB.batch(call.batch.map((s) => env.DB.prepare(s.sql).bind(...s.params)));
  }
  const statement = env.DB.prepare(call.sql as string).bind(...(call.params ?? []));
  if (call.d1 === 'first') return call.column ? statement.first(call.column) : statement.first();
  if (call.d1 === 'raw') return statement.raw();
  return call.d1 === 'all' ? statement.all() : statement.run();
}

export default {
  async fetch(request, env) {
    try {
      return Response.json({ ok: (await answer((await request.json()) as Call, env)) ?? null });
    } catch (err) {
      return Response.json({ error: err instanceof Error ? err.message : String(err) });
    }
  },
} satisfies ExportedHandler<Env>;
