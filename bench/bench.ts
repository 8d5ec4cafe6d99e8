/**
 * `npm run bench`: CPU per request of edge-haapi's jobs inside workerd (Miniflare API, real local
 * D1 and Durable Objects), their crypto floor measured in the same workerd, and the same jobs on
 * oidc-provider, in one run. CPU is read the same way on both sides: the server process's
 * scheduler time (the schedstat of every thread in /proc, nanoseconds) over the number of requests; the
 * client side (this process) is not counted. Writes bench/results.json. The machinery is in
 * bench/runner.ts, the servers in bench/setup.ts, the jobs in bench/jobs/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { printGeo, runGeo } from './geo';
import { bootstrapJobs } from './jobs/bootstrap';
import { comparedJobs } from './jobs/compared';
import { haapiJobs } from './jobs/haapi';
import { passkeyJob } from './jobs/passkey';
import { type Figures, ONLY, PARTIAL, peakRssKib, QUICK, round2 } from './runner';
import { startBench } from './setup';

async function main(): Promise<void> {
  const b = await startBench();
  const { dir, mf, storeMf, child, results, theirs, workerd, startupMs } = b;
  await comparedJobs(b);
  await bootstrapJobs(b);
  const { loginStepsUs, pbkdf2Us } = await haapiJobs(b);
  await passkeyJob(b);
  const workerdPeakKib = workerd.reduce((m, pid) => Math.max(m, peakRssKib(pid)), 0);
  const transportUs = Object.fromEntries(
    Object.entries(results as Record<string, Figures>)
      .filter(([, r]) => r.transport_us_per_call !== undefined && r.n > 0)
      .map(([job, r]) => [job, r.transport_us_per_call]),
  );
  await mf.dispose();
  await storeMf.dispose();
  // The geo model: the demo's logins for a far user against a central server (bench/geo.ts).
  const geo = ONLY.length === 0 || ONLY.includes('geo') ? await runGeo(dir) : null;
  if (geo) printGeo(geo);
  if (PARTIAL) {
    // Partial runs (BENCH_ONLY, BENCH_PROFILE; profiling slows the sampled isolate) are for
    // comparing changes and reading profiles: they do not replace bench/results.json.
    console.log('transport, µs per storage call:', transportUs);
    console.table(results);
    console.table(theirs);
    console.log('login requests, CPU µs each:', loginStepsUs);
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    return;
  }

  const opPeakKib = peakRssKib(child.pid as number);
  child.kill();

  // ---------- bundle ----------
  const outdir = join(dir, 'dry-run');
  execFileSync(
    process.execPath,
    ['node_modules/wrangler/bin/wrangler.js', 'deploy', '--dry-run', '--outdir', outdir],
    {
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const bundleFile = readdirSync(outdir).find((f) => f.endsWith('.js')) as string;
  const raw = readFileSync(join(outdir, bundleFile));
  const bundleKib = {
    raw: Math.round(statSync(join(outdir, bundleFile)).size / 102.4) / 10,
    gzip: Math.round(gzipSync(raw).length / 102.4) / 10,
  };
  rmSync(dir, { recursive: true, force: true });

  // ---------- figures ----------
  const baseline = (results.baseline as Figures).cpu_us_per_unit;
  const ratio = (a: number, b: number) => round2(a / b);
  const ours = (job: string) => results[job] as Figures;
  const theirCpu = (job: string) => (theirs[job] as Figures).cpu_us_per_unit;
  const aboveFloor = (job: string) => {
    const r = results[job] as Figures & { floor_us: number };
    return ratio(r.cpu_us_per_unit - baseline * r.requests_per_unit, r.floor_us);
  };
  const vs = (job: string) => ratio(ours(job).cpu_us_per_unit, theirCpu(job));
  const vsCompute = (job: string) => ratio(ours(job).compute_us_per_unit ?? 0, theirCpu(job));
  // Above each server's own baseline (its cheapest request through its app): the jobs' work
  // without the runtime's and the app's fixed cost per request. Beside the targets, not one.
  const aboveBaselineVs = (job: string) =>
    ratio((ours(job).compute_us_per_unit ?? 0) - baseline, theirCpu(job) - theirCpu('baseline'));
  const blockMedian = (job: string) => ours(job).block_ratios?.median ?? 0;
  const loginWithout =
    Math.round(((results.password_login as Figures).cpu_us_per_unit - pbkdf2Us) / 10) / 100;
  const output = {
    machine: {
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      date: new Date().toISOString(),
      quick: QUICK,
    },
    ratios: {
      cc_secret_vs_oidc_provider: vs('cc_secret'),
      cc_private_key_jwt_vs_oidc_provider: vs('cc_private_key_jwt'),
      dcr_vs_oidc_provider: vs('dcr_registration'),
      cc_secret_compute_vs_oidc_provider: vsCompute('cc_secret'),
      cc_private_key_jwt_compute_vs_oidc_provider: vsCompute('cc_private_key_jwt'),
      dcr_compute_vs_oidc_provider: vsCompute('dcr_registration'),
      // The same ratios taken pair by pair of neighbouring blocks, their median (runner.ts).
      cc_secret_compute_block_median: blockMedian('cc_secret'),
      cc_private_key_jwt_compute_block_median: blockMedian('cc_private_key_jwt'),
      dcr_compute_block_median: blockMedian('dcr_registration'),
      // The floors, and the compared jobs above each side's baseline (informational).
      runtime_empty_vs_oidc_provider: vs('runtime_empty'),
      baseline_vs_oidc_provider: vs('baseline'),
      cc_secret_above_baseline_vs_oidc_provider: aboveBaselineVs('cc_secret'),
      cc_private_key_jwt_above_baseline_vs_oidc_provider: aboveBaselineVs('cc_private_key_jwt'),
      dcr_above_baseline_vs_oidc_provider: aboveBaselineVs('dcr_registration'),
      android_rsa_over_floor: aboveFloor('android_rsa'),
      android_ec_over_floor: aboveFloor('android_ec'),
      app_attest_over_floor: aboveFloor('app_attest'),
      haapi_step_over_floor: aboveFloor('haapi_step'),
      passkey_login_over_floor: aboveFloor('passkey_login'),
    },
    transport_us_per_storage_call: transportUs,
    login_cpu_ms_without_pbkdf2: loginWithout,
    login_request_cpu_us: loginStepsUs,
    login_cpu_ms_with_pbkdf2:
      Math.round((results.password_login as Figures).cpu_us_per_unit / 10) / 100,
    pbkdf2_us: pbkdf2Us,
    bundle_kib: bundleKib.raw,
    bundle_gzip_kib: bundleKib.gzip,
    startup_ms: startupMs,
    peak_rss_kib: { workerd: workerdPeakKib, oidc_provider: opPeakKib },
    edge_haapi: results,
    oidc_provider: theirs,
    geo,
  };
  mkdirSync('bench', { recursive: true });
  writeFileSync('bench/results.json', `${JSON.stringify(output, null, 2)}\n`);
  const rows = Object.entries(results).map(([job, r]) => ({
    job,
    'cpu µs/unit': r.cpu_us_per_unit,
    'floor µs': r.floor_us ?? '',
    'units/s': r.units_per_s,
    'p50 ms': r.p50_ms,
    'p99 ms': r.p99_ms,
    'oidc-provider µs': theirs[job]?.cpu_us_per_unit ?? '',
  }));
  console.table(rows);
  console.log(
    JSON.stringify(
      {
        ratios: output.ratios,
        login_cpu_ms_without_pbkdf2: loginWithout,
        bundle: bundleKib,
        startup_ms: startupMs,
        peak_rss_kib: output.peak_rss_kib,
      },
      null,
      2,
    ),
  );
}

await main();
