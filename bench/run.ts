/**
 * `npm run bench`: gyeol's benchmarks (issue 10), each against a ceiling measured in the same run,
 * on SQLite and — when DATABASE_URL is a PostgreSQL URL — on PostgreSQL. Writes
 * bench/results/latest.json and bench/results/latest.md (the table docs/performance.md shows).
 *
 *   BENCH_DURATION_S   seconds of load per measurement (default 5)
 *   BENCH_ROWS         the large table size (default 1,000,000)
 *   BENCH_SMOKE=1      CI's smoke run: small tables, short loads; checks the benchmarks work, asserts no timings
 *   BENCH_ONLY=a,b     run only the named benchmarks (names below)
 *
 * Each benchmark is a module under bench/benchmarks/ returning measurements (a load against a
 * ceiling) and checks (any other figure); this file runs them in order and writes the report.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connections, durationS, largeRows, pgSchemaPrefix, postgresUrl, smallRows, smoke, work, type BenchmarkOutput, type Check, type Measurement } from './common';
import { billingBenchmarks, checkoutBenchmarks } from './benchmarks/flows';
import { frontEndBenchmarks } from './benchmarks/front-end';
import { lookupBenchmarks } from './benchmarks/lookup';
import { startTime } from './benchmarks/process';
import { webhookBenchmarks } from './benchmarks/webhooks';

/** The benchmarks in the order they run. */
const benchmarks: Array<{ name: string; run: () => Promise<BenchmarkOutput> }> = [
  { name: 'lookup', run: lookupBenchmarks },
  { name: 'billing', run: billingBenchmarks },
  { name: 'checkout', run: checkoutBenchmarks },
  { name: 'front-end', run: frontEndBenchmarks },
  { name: 'webhooks', run: webhookBenchmarks },
  { name: 'process', run: async () => ({ checks: [await startTime()] }) },
];

async function resetPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl! });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like '${pgSchemaPrefix}%'`);
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
  } finally {
    await client.end();
  }
}

const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const started = Date.now();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
if (postgresUrl) await resetPostgres();

const results: Measurement[] = [];
const checks: Check[] = [];
for (const b of benchmarks) {
  if (only && !only.has(b.name)) continue;
  const begun = Date.now();
  const out = await b.run();
  results.push(...(out.measurements ?? []));
  checks.push(...(out.checks ?? []));
  process.stderr.write(`${b.name}: ${Math.round((Date.now() - begun) / 1000)} s\n`);
}
const rss = [...results.map((m) => m.gyeol.rssMiB ?? 0), ...checks.map((c) => c.rssMiB ?? 0)];
if (rss.length > 0) {
  const peakRss = Math.max(...rss);
  checks.push({ benchmark: 'process', what: 'gateway RSS, peak during the load benchmarks', value: peakRss, unit: 'MiB', goal: '≤ 200 MiB', met: peakRss <= 200 });
}

const scaling = (database: string) => {
  const [small, large] = results.filter((r) => r.database === database && r.benchmark === 'lookup');
  return small && large ? large.gyeol.rps / small.gyeol.rps : null;
};

const report = {
  at: new Date().toISOString(),
  smoke,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() },
  settings: { durationS, connections, largeRows, smallRows },
  results,
  checks,
  scaling: { sqlite: scaling('sqlite'), postgres: scaling('postgres') },
  totalS: Math.round((Date.now() - started) / 1000),
};
mkdirSync(path.resolve('bench/results'), { recursive: true });
writeFileSync(path.resolve('bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.resolve('bench/results/latest.md'), markdown(report));
process.stdout.write(markdown(report));
// Correctness, never timing: every answer under load must have been a success.
// (A run with no answer at all is broken in the smoke run, whose only job is to see every benchmark answer; in a real run it is a goal not met.)
const broken = results.filter((m) => (smoke && m.gyeol.requests === 0) || m.gyeol.non2xx > 0 || m.gyeol.errors > 0 || (m.ceiling && (m.ceiling.non2xx > 0 || m.ceiling.errors > 0)));
if (broken.length > 0) {
  process.stderr.write(`no answer, or answers that were not 2xx or failed: ${broken.map((m) => `${m.benchmark} ${m.database} ${m.rows}`).join(', ')}\n`);
  process.exitCode = 1;
}

/** The server's CPU ms per completed flow, for loads that measured it (bench/load/ scripts). */
function cpuOf(load: object): number | null {
  const value = (load as { cpuMsPerFlow?: unknown }).cpuMsPerFlow;
  return typeof value === 'number' ? value : null;
}

function markdown(r: typeof report): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const n = (x: number) => Math.round(x).toLocaleString('en');
  return [
    `Run ${r.at}${r.smoke ? ' (smoke run: figures mean nothing)' : ''} — ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, load average ${r.machine.loadavg.map((x) => x.toFixed(1)).join(' ')}; ${r.settings.connections} connections, ${r.settings.durationS} s per measurement; ${r.totalS} s in all.`,
    '',
    '| benchmark | database | rows | gyeol req/s | p50 ms | p99 ms | ceiling req/s | ratio | goal | met |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...r.results.map(
      (m) =>
        `| ${m.benchmark} | ${m.database} | ${m.rows > 0 ? n(m.rows) : '—'} | ${n(m.gyeol.rps)} | ${m.gyeol.p50Ms} | ${m.gyeol.p99Ms} | ${m.ceiling ? n(m.ceiling.rps) : '—'} | ${m.ratio === null ? '—' : pct(m.ratio)} | ${m.goal} | ${m.met ? 'yes' : 'no'} |`,
    ),
    '',
    ...Object.entries(r.scaling)
      .filter(([, v]) => v !== null)
      .map(([db, v]) => `Lookup at ${n(r.settings.largeRows)} rows vs ${n(r.settings.smallRows)} (${db}): ${pct(v!)} of the throughput (goal: within 10 %).`),
    // The flows' own work: the server's CPU time per completed flow (steadier than a rate on a shared machine).
    ...r.results
      .filter((m) => cpuOf(m.gyeol) !== null)
      .map((m) => `${m.benchmark} (${m.database}): the gateway's CPU time ${cpuOf(m.gyeol)!.toFixed(2)} ms a flow${m.ceiling && cpuOf(m.ceiling) !== null ? `, the ceiling's ${cpuOf(m.ceiling)!.toFixed(2)} ms` : ''}.`),
    '',
    '| benchmark | database | what | value | goal | met |',
    '|---|---|---|---:|---|---|',
    ...r.checks.map((c) => `| ${c.benchmark} | ${c.database ?? ''} | ${c.what} | ${c.unit === 'ms' && c.value < 100 ? c.value.toFixed(2) : n(c.value)} ${c.unit} | ${c.goal} | ${c.met ? 'yes' : 'no'} |`),
    '',
  ].join('\n');
}
