/**
 * The bench's measurement machinery: the run's knobs (BENCH_QUICK, BENCH_UNITS, BENCH_ONLY,
 * BENCH_PROFILE), server CPU read from /proc (every thread's scheduler time), units measured in
 * alternating blocks against oidc-provider, the transport cost of a storage call, and the
 * figures of a job. The jobs are in bench/jobs/, the servers in bench/setup.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type Json = Record<string, unknown>;
export const QUICK = process.env.BENCH_QUICK === '1';
export const N = Number(process.env.BENCH_UNITS) || (QUICK ? 40 : 300);
export const N_HEAVY = QUICK ? 15 : 80;
export const WARM_UP = 20;
/** Jobs to profile through workerd's inspector (comma-separated job names; see bench/profiler.ts). */
export const PROFILE = (process.env.BENCH_PROFILE ?? '').split(',').filter(Boolean);
export const INSPECTOR_PORT = 9229;
/** Jobs to run (comma-separated); the others report zeros. For quick before/after checks. */
export const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
export const PARTIAL = PROFILE.length > 0 || ONLY.length > 0;

// ---------- process measurement ----------
export function schedNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread ended while we read
    }
  }
  return total;
}
export function peakRssKib(pid: number): number {
  const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}
export function childPids(name: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return comm.startsWith(name) && ppid === process.pid;
      } catch {
        return false;
      }
    });
}
export const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + schedNs(pid), 0);

export interface Figures {
  n: number;
  requests_per_unit: number;
  /** The Worker's own CPU (its workerd process). */
  cpu_us_per_unit: number;
  /** The local stand-ins for D1 and Durable Objects (a second workerd; on Cloudflare, elsewhere). */
  storage_cpu_us_per_unit?: number;
  /** Storage calls the Worker sent per unit (deferred ones included), and their mean wall time. */
  storage_calls_per_unit?: number;
  storage_call_ms?: number;
  /**
   * The Worker's CPU less its storage calls' transport (calls × the measured cost of one empty
   * call taking as long as the job's calls did): compute, to compare with oidc-provider's, whose
   * in-memory adapter makes no calls.
   */
  compute_us_per_unit?: number;
  units_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

/** A job's unit of work on one server: the measured call and the uncounted set-up before it. */
export interface Side {
  pids: number[];
  unit: (i: number) => Promise<void>;
  prepare?: (i: number) => Promise<void>;
}

/** The storage process, whose CPU is reported beside the Worker's (set once both run). */
export const stores: { pids: number[]; worker: number[]; base: string } = {
  pids: [],
  worker: [],
  base: '',
};

/** The split Worker's storage calls so far and their summed wall time (bench/split-worker.ts). */
export async function storageCalls(): Promise<{ calls: number; ms: number }> {
  const res = await fetch(`${stores.base}/__bench/storage-calls`);
  return (await res.json()) as { calls: number; ms: number };
}

export interface Sample {
  n: number;
  cpuNs: number;
  storageNs: number;
  /** Storage calls sent during the units (undefined where the server is not the split one). */
  calls: { calls: number; ms: number } | undefined;
  wallMs: number;
  latencies: number[];
}

export const skipped = (requestsPerUnit: number): Figures => ({
  n: 0,
  requests_per_unit: requestsPerUnit,
  cpu_us_per_unit: 0,
  units_per_s: 0,
  p50_ms: 0,
  p99_ms: 0,
});

/** Runs `job` (BENCH_ONLY may skip it; BENCH_PROFILE profiles the Worker while it runs). */
export async function runJob<T>(job: string, skip: () => T, run: () => Promise<T>): Promise<T> {
  if (ONLY.length > 0 && !ONLY.includes(job)) return skip();
  if (!PROFILE.includes(job)) return run();
  const { profileWorker } = await import('./profiler');
  return profileWorker(INSPECTOR_PORT, 'main', job, run);
}

export async function measure(
  job: string,
  pids: number[],
  n: number,
  requestsPerUnit: number,
  unit: (i: number) => Promise<void>,
  prepare?: (i: number) => Promise<void>,
): Promise<Figures> {
  return runJob(
    job,
    () => skipped(requestsPerUnit),
    async () => {
      const side = { pids, unit, prepare };
      await warmUp(side, n);
      return figures([await runUnits(side, 0, n)], requestsPerUnit);
    },
  );
}

/**
 * The same job on edge-haapi and on oidc-provider, in alternating blocks, so that whatever else
 * the machine does while it runs weighs on both sides alike.
 */
export async function compare(
  job: string,
  ours: Side,
  theirs: Side,
  n: number,
): Promise<[Figures, Figures]> {
  return runJob(
    job,
    () => [skipped(1), skipped(1)],
    async () => {
      await warmUp(ours, n);
      await warmUp(theirs, n);
      const blocks = 6;
      const size = Math.ceil(n / blocks);
      const samples: [Sample[], Sample[]] = [[], []];
      for (let from = 0; from < n; from += size) {
        const count = Math.min(size, n - from);
        samples[0].push(await runUnits(ours, from, count));
        samples[1].push(await runUnits(theirs, from, count));
      }
      return [figures(samples[0], 1), figures(samples[1], 1)];
    },
  );
}

/**
 * Warm-up, not counted: JIT-compiled code paths and warm caches, as on a server that has been
 * running (both sides get the same). Its units have the indices after the `n` counted ones.
 */
export async function warmUp(side: Side, n: number): Promise<void> {
  for (let i = n; i < n + Math.min(WARM_UP, n); i++) {
    await side.prepare?.(i);
    await side.unit(i);
  }
}

/** Units `from` … `from + count - 1`: the server's CPU and the client's latency of each. */
export async function runUnits(side: Side, from: number, count: number): Promise<Sample> {
  const latencies: number[] = [];
  let cpuNs = 0;
  let storageNs = 0;
  let wallMs = 0;
  const split = side.pids === stores.worker;
  const storagePids = split ? stores.pids : [];
  const callsBefore = split ? await storageCalls() : undefined;
  for (let i = from; i < from + count; i++) {
    await side.prepare?.(i);
    const before = cpuOf(side.pids);
    const storageBefore = cpuOf(storagePids);
    const t0 = performance.now();
    await side.unit(i);
    const elapsed = performance.now() - t0;
    cpuNs += cpuOf(side.pids) - before;
    storageNs += cpuOf(storagePids) - storageBefore;
    latencies.push(elapsed);
    wallMs += elapsed;
  }
  const after = callsBefore ? await storageCalls() : undefined;
  const calls =
    callsBefore && after
      ? { calls: after.calls - callsBefore.calls, ms: after.ms - callsBefore.ms }
      : undefined;
  return { n: count, cpuNs, storageNs, calls, wallMs, latencies };
}

export function figures(samples: readonly Sample[], requestsPerUnit: number): Figures {
  const n = samples.reduce((sum, s) => sum + s.n, 0);
  const cpuNs = samples.reduce((sum, s) => sum + s.cpuNs, 0);
  const storageNs = samples.reduce((sum, s) => sum + s.storageNs, 0);
  const split = samples.every((s) => s.calls !== undefined);
  const calls = samples.reduce((sum, s) => sum + (s.calls?.calls ?? 0), 0);
  const callMs = samples.reduce((sum, s) => sum + (s.calls?.ms ?? 0), 0);
  const wallMs = samples.reduce((sum, s) => sum + s.wallMs, 0);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    n,
    requests_per_unit: requestsPerUnit,
    cpu_us_per_unit: Math.round(cpuNs / n / 10) / 100,
    storage_cpu_us_per_unit: Math.round(storageNs / n / 10) / 100,
    ...(split
      ? {
          storage_calls_per_unit: Math.round((calls / n) * 100) / 100,
          storage_call_ms: calls > 0 ? Math.round((callMs / calls) * 100) / 100 : 0,
        }
      : {}),
    units_per_s: Math.round((n / wallMs) * 1000 * 10) / 10,
    p50_ms: Math.round((latencies[Math.floor(n * 0.5)] ?? 0) * 100) / 100,
    p99_ms: Math.round((latencies[Math.min(n - 1, Math.floor(n * 0.99))] ?? 0) * 100) / 100,
  };
}

/**
 * The Worker's CPU for one storage call's transport when calls take `ms` each: requests making
 * TRANSPORT_CALLS empty calls in a row (the store answers each after a wait that brings it to
 * `ms`), less requests making none, over TRANSPORT_CALLS (bench/split-worker.ts). Waiting costs
 * the Worker's thread CPU here (its waking up again), so the wait matters: about 0.3 ms a call
 * answered at once, 0.45–0.7 ms one answered after 4 ms, on this machine.
 */
export const TRANSPORT_CALLS = 8;
export const TRANSPORT_UNITS = 300;
export const transportByWait = new Map<number, number>();
export async function transportCostUs(ms: number): Promise<number> {
  const side = (calls: number, wait: number): Side => ({
    pids: stores.worker,
    unit: async () => {
      await (await fetch(`${stores.base}/__bench/transport?n=${calls}&wait=${wait}`)).text();
    },
  });
  // An empty call's own time, taken out of the wait.
  const own = await fetch(`${stores.base}/__bench/transport?n=${TRANSPORT_CALLS * 10}`);
  const ownMs = ((await own.json()) as { ms: number }).ms / (TRANSPORT_CALLS * 10);
  const wait = Math.max(0, Math.round(ms - ownMs));
  const known = transportByWait.get(wait);
  if (known !== undefined) return known;
  // Alternating blocks with and without the calls, as compare() does, so that the machine's
  // drift weighs on both.
  const none = side(0, 0);
  const some = side(TRANSPORT_CALLS, wait);
  await warmUp(none, TRANSPORT_UNITS);
  await warmUp(some, TRANSPORT_UNITS);
  const samples: [Sample[], Sample[]] = [[], []];
  const block = TRANSPORT_UNITS / 6;
  for (let from = 0; from < TRANSPORT_UNITS; from += block) {
    samples[0].push(await runUnits(none, from, block));
    samples[1].push(await runUnits(some, from, block));
  }
  const [a, b] = samples.map((s) => figures(s, 1).cpu_us_per_unit) as [number, number];
  const cost = Math.max(0, Math.round(((b - a) / TRANSPORT_CALLS) * 100) / 100);
  transportByWait.set(wait, cost);
  return cost;
}

/** Each split job's compute: its CPU less its storage calls' transport (see transportCostUs). */
export async function withCompute(
  results: Record<string, Figures>,
): Promise<Record<string, number>> {
  const perCall: Record<string, number> = {};
  for (const [job, r] of Object.entries(results)) {
    if (r.storage_calls_per_unit === undefined || r.n === 0) continue;
    const cost = r.storage_calls_per_unit > 0 ? await transportCostUs(r.storage_call_ms ?? 0) : 0;
    perCall[job] = cost;
    r.compute_us_per_unit = Math.round(r.cpu_us_per_unit - r.storage_calls_per_unit * cost);
  }
  return perCall;
}

export async function expectOk(res: Response, what: string): Promise<Json> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Json) : {};
}
