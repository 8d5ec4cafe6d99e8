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
/**
 * The compared jobs' warm-up on each side: Node's JIT (oidc-provider) and V8's in workerd both go
 * on getting faster for several hundred requests, so the ratios are taken on servers that have
 * settled, not on their first requests.
 */
export const COMPARED_WARM_UP = Number(process.env.BENCH_WARM_UP) || (QUICK ? 20 : 600);
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
  /** The Worker's CPU for one of those calls' transport, measured on each block's twin. */
  transport_us_per_call?: number;
  /**
   * The Worker's CPU less its storage calls' transport (measured after each block on its twin; see
   * transportOf): compute, to compare with oidc-provider's, whose in-memory adapter makes no calls.
   */
  compute_us_per_unit?: number;
  units_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Compared jobs: the ratios of neighbouring block pairs (see blockRatios). */
  block_ratios?: BlockRatios;
}

export interface BlockRatios {
  pairs: number;
  median: number;
  min: number;
  max: number;
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
  /** The Worker's CPU for those calls' transport (the block's twin; see transportOf). */
  transportNs: number;
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
      const samples: Sample[] = [];
      for (const [from, count] of blocks(n)) samples.push(await runUnits(side, from, count));
      return figures(samples, requestsPerUnit);
    },
  );
}

/** A job's `n` units in `count` blocks (BLOCKS unless told): [first index, count] of each. */
const BLOCKS = 6;
/**
 * The compared jobs alternate in more, smaller blocks: on a noisy machine (a VM whose neighbours
 * come and go) neighbouring blocks of 50 differed by up to a third, and a shorter alternation puts
 * both sides in the same state more often.
 */
const COMPARED_BLOCKS = Number(process.env.BENCH_COMPARED_BLOCKS) || (QUICK ? 4 : 20);
function blocks(n: number, count = BLOCKS): [number, number][] {
  const size = Math.ceil(n / count);
  const out: [number, number][] = [];
  for (let from = 0; from < n; from += size) out.push([from, Math.min(size, n - from)]);
  return out;
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
      await warmUp(ours, n, COMPARED_WARM_UP);
      await warmUp(theirs, n, COMPARED_WARM_UP);
      const samples: [Sample[], Sample[]] = [[], []];
      for (const [from, count] of blocks(n, COMPARED_BLOCKS)) {
        samples[0].push(await runUnits(ours, from, count));
        samples[1].push(await runUnits(theirs, from, count));
      }
      return [
        { ...figures(samples[0], 1), block_ratios: blockRatios(samples[0], samples[1]) },
        figures(samples[1], 1),
      ];
    },
  );
}

/**
 * Warm-up, not counted: JIT-compiled code paths and warm caches, as on a server that has been
 * running (both sides get the same). Its units have the indices after the `n` counted ones.
 */
export async function warmUp(side: Side, n: number, units = Math.min(WARM_UP, n)): Promise<void> {
  for (let i = n; i < n + units; i++) {
    await side.prepare?.(i);
    await side.unit(i);
  }
}

/**
 * Units `from` … `from + count - 1`: the server's CPU over the block and the client's latency of
 * each unit. The units are prepared first and the CPU is read once around the block: reading
 * /proc around every unit would run the client between every two requests and count its cache
 * pollution as the server's (on both sides alike, but more than the work measured).
 */
export async function runUnits(side: Side, from: number, count: number): Promise<Sample> {
  const latencies: number[] = [];
  let wallMs = 0;
  const split = side.pids === stores.worker;
  const storagePids = split ? stores.pids : [];
  if (side.prepare) for (let i = from; i < from + count; i++) await side.prepare(i);
  const callsBefore = split ? await storageCalls() : undefined;
  const before = cpuOf(side.pids);
  const storageBefore = cpuOf(storagePids);
  for (let i = from; i < from + count; i++) {
    const t0 = performance.now();
    await side.unit(i);
    const elapsed = performance.now() - t0;
    latencies.push(elapsed);
    wallMs += elapsed;
  }
  const cpuNs = cpuOf(side.pids) - before;
  const storageNs = cpuOf(storagePids) - storageBefore;
  const after = callsBefore ? await storageCalls() : undefined;
  const calls =
    callsBefore && after
      ? { calls: after.calls - callsBefore.calls, ms: after.ms - callsBefore.ms }
      : undefined;
  const transportNs = calls ? await transportOf(calls, count) : 0;
  return { n: count, cpuNs, storageNs, calls, transportNs, wallMs, latencies };
}

export function figures(samples: readonly Sample[], requestsPerUnit: number): Figures {
  const n = samples.reduce((sum, s) => sum + s.n, 0);
  const cpuNs = samples.reduce((sum, s) => sum + s.cpuNs, 0);
  const storageNs = samples.reduce((sum, s) => sum + s.storageNs, 0);
  const split = samples.every((s) => s.calls !== undefined);
  const calls = samples.reduce((sum, s) => sum + (s.calls?.calls ?? 0), 0);
  const callMs = samples.reduce((sum, s) => sum + (s.calls?.ms ?? 0), 0);
  const transportNs = samples.reduce((sum, s) => sum + s.transportNs, 0);
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
          transport_us_per_call: calls > 0 ? Math.round(transportNs / calls / 10) / 100 : 0,
          compute_us_per_unit: Math.round((cpuNs - transportNs) / n / 1000),
        }
      : {}),
    units_per_s: Math.round((n / wallMs) * 1000 * 10) / 10,
    p50_ms: Math.round((latencies[Math.floor(n * 0.5)] ?? 0) * 100) / 100,
    p99_ms: Math.round((latencies[Math.min(n - 1, Math.floor(n * 0.99))] ?? 0) * 100) / 100,
  };
}

/**
 * The ratio of each pair of neighbouring blocks (our compute, or our CPU where no storage calls
 * are split off, over oidc-provider's CPU): their median and range, beside the ratio of the
 * totals. A pair ran in one machine state; the median is not moved by the few blocks that a
 * burst from elsewhere on the machine inflated on one side.
 */
function blockRatios(ours: readonly Sample[], theirs: readonly Sample[]): BlockRatios {
  // A pair's two blocks hold the same units, so the ratio of their CPU is the ratio per unit.
  const ratios = ours
    .map((s, i) => (s.cpuNs - s.transportNs) / (theirs[i] as Sample).cpuNs)
    .sort((a, b) => a - b);
  return {
    pairs: ratios.length,
    median: round2(medianOf(ratios)),
    min: round2(ratios[0] as number),
    max: round2(ratios[ratios.length - 1] as number),
  };
}

/** x to two decimals (the ratios). */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The median of values sorted in ascending order. */
function medianOf(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Pairs of twins measured per block (their median difference is the transport). */
const TWIN_PAIRS = 3;

/**
 * The Worker's CPU for the transport of a block's storage calls, measured right after the block
 * (so that the machine is in the same state) on its twin: otherwise empty requests making the
 * same calls, as many per request as the job makes and each answered after the job's mean call
 * time (bench/split-worker.ts `/__bench/transport`), less as many requests making none (the
 * median of three such pairs). Waiting costs the Worker's thread CPU here (its waking up again),
 * so the wait is matched too.
 */
export async function transportOf(
  calls: { calls: number; ms: number },
  units: number,
): Promise<number> {
  if (calls.calls === 0) return 0;
  const perRequest = Math.max(1, Math.round(calls.calls / units));
  const wait = Math.max(0, Math.round(calls.ms / calls.calls - (await emptyCallMs())));
  const requests: number[] = [];
  for (let left = calls.calls; left > 0; left -= perRequest)
    requests.push(Math.min(perRequest, left));
  const twin = async (withCalls: boolean): Promise<number> => {
    const before = cpuOf(stores.worker);
    for (const n of requests)
      await (
        await fetch(`${stores.base}/__bench/transport?n=${withCalls ? n : 0}&wait=${wait}`)
      ).text();
    return cpuOf(stores.worker) - before;
  };
  // Three pairs, alternating, and their median: one pair moves by a tenth between runs.
  const differences: number[] = [];
  for (let pair = 0; pair < TWIN_PAIRS; pair++) {
    const some = await twin(true);
    differences.push(some - (await twin(false)));
  }
  differences.sort((a, b) => a - b);
  return Math.max(0, medianOf(differences));
}

/** The wall time of an empty call answered at once (taken out of the twin's wait). */
let emptyMs: number | undefined;
async function emptyCallMs(): Promise<number> {
  if (emptyMs === undefined) {
    const n = 80;
    const res = await fetch(`${stores.base}/__bench/transport?n=${n}`);
    emptyMs = ((await res.json()) as { ms: number }).ms / n;
  }
  return emptyMs;
}

export async function expectOk(res: Response, what: string): Promise<Json> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Json) : {};
}
