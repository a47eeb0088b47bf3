/**
 * `npm run bench`: gyeol's benchmarks (issue 10), each against a ceiling measured in the same run,
 * on SQLite and — when DATABASE_URL is a PostgreSQL URL — on PostgreSQL. Writes
 * bench/results/latest.json and bench/results/latest.md (the table docs/performance.md shows).
 *
 *   BENCH_DURATION_S   seconds of load per measurement (default 10)
 *   BENCH_ROWS         the large table size (default 1,000,000)
 *   BENCH_SMOKE=1      CI's smoke run: small tables, 2-second loads; checks the benchmarks work, asserts no timings
 *
 * Benchmarks so far: lookup (`GET /payments/{imp_uid}` with a token). The others of issue 10 join here.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runLoad, startServer, v1Token, type LoadResult } from './harness';

const smoke = process.env.BENCH_SMOKE === '1';
const durationS = Number(process.env.BENCH_DURATION_S ?? (smoke ? 2 : 10));
const largeRows = Number(process.env.BENCH_ROWS ?? (smoke ? 5_000 : 1_000_000));
const smallRows = smoke ? 100 : 1_000;
const connections = 64;
const postgresUrl = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL! : null;
const dist = path.resolve('dist/bench');
const work = path.resolve('data/bench');

interface Measurement {
  benchmark: string;
  database: 'sqlite' | 'postgres';
  rows: number;
  gyeol: LoadResult;
  ceiling: LoadResult;
  /** gyeol's throughput over the ceiling's, same run. */
  ratio: number;
  goal: string;
  met: boolean;
}

async function ceiling(): Promise<LoadResult> {
  const server = await startServer<{ url: string; token: string }>(path.join(dist, 'ceiling.js'), {});
  try {
    return await runLoad({ url: `${server.info.url}/payments/imp_000000000001`, connections, durationS, headers: { Authorization: `Bearer ${server.info.token}` } });
  } finally {
    await server.stop();
  }
}

async function lookup(database: 'sqlite' | 'postgres', rows: number): Promise<Measurement> {
  const schema = `bench_lookup_${rows}`;
  const env: Record<string, string> =
    database === 'postgres'
      ? { DATABASE_URL: postgresUrl!, BENCH_PG_SCHEMA: schema, BENCH_DATA_DIR: path.join(work, `pg-${rows}`), BENCH_ROWS: String(rows) }
      : { DATABASE_URL: '', BENCH_DATA_DIR: path.join(work, `sqlite-${rows}`), BENCH_ROWS: String(rows) };
  const server = await startServer<{ url: string; apiKey: string; apiSecret: string; impUid: string; rows: number }>(path.join(dist, 'gateway.js'), env);
  try {
    const token = await v1Token(server.info.url, server.info.apiKey, server.info.apiSecret);
    const url = `${server.info.url}/payments/${server.info.impUid}`;
    const check = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    if (check.status !== 200) throw new Error(`lookup answered HTTP ${check.status}: ${await check.text()}`);
    const gyeol = await runLoad({ url, connections, durationS, headers: { Authorization: `Bearer ${token}` } });
    const top = await ceiling();
    const ratio = gyeol.rps / top.rps;
    const goal = database === 'sqlite' ? '≥ 60 % of ceiling, p99 ≤ 10 ms' : 'p99 ≤ 10 ms';
    const met = (database === 'postgres' || ratio >= 0.6) && gyeol.p99Ms <= 10 && gyeol.non2xx === 0 && gyeol.errors === 0;
    return { benchmark: 'lookup', database, rows: server.info.rows, gyeol, ceiling: top, ratio, goal, met };
  } finally {
    await server.stop();
  }
}

async function resetPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl! });
  await client.connect();
  try {
    for (const rows of [smallRows, largeRows]) await client.query(`drop schema if exists bench_lookup_${rows} cascade`);
  } finally {
    await client.end();
  }
}

const started = Date.now();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
if (postgresUrl) await resetPostgres();

const results: Measurement[] = [];
for (const database of postgresUrl ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) {
  for (const rows of [smallRows, largeRows]) {
    const m = await lookup(database, rows);
    results.push(m);
    process.stderr.write(`lookup ${database} ${m.rows} rows: ${Math.round(m.gyeol.rps)}/s p99 ${m.gyeol.p99Ms} ms; ceiling ${Math.round(m.ceiling.rps)}/s; ratio ${(m.ratio * 100).toFixed(1)} %\n`);
  }
}

const scaling = (database: string) => {
  const [small, large] = results.filter((r) => r.database === database);
  return small && large ? large.gyeol.rps / small.gyeol.rps : null;
};

const report = {
  at: new Date().toISOString(),
  smoke,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() },
  settings: { durationS, connections, largeRows, smallRows },
  results,
  scaling: { sqlite: scaling('sqlite'), postgres: scaling('postgres') },
  totalS: Math.round((Date.now() - started) / 1000),
};
mkdirSync(path.resolve('bench/results'), { recursive: true });
writeFileSync(path.resolve('bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.resolve('bench/results/latest.md'), markdown(report));
process.stdout.write(markdown(report));
// Correctness, never timing: every answer under load must have been a success.
const broken = results.filter((m) => m.gyeol.non2xx > 0 || m.gyeol.errors > 0 || m.ceiling.non2xx > 0 || m.ceiling.errors > 0);
if (broken.length > 0) {
  process.stderr.write(`answers that were not 2xx or failed: ${broken.map((m) => `${m.benchmark} ${m.database} ${m.rows}`).join(', ')}\n`);
  process.exitCode = 1;
}

function markdown(r: typeof report): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `Run ${r.at}${r.smoke ? ' (smoke run: figures mean nothing)' : ''} — ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, load average ${r.machine.loadavg.map((x) => x.toFixed(1)).join(' ')}; ${r.settings.connections} connections, ${r.settings.durationS} s per measurement.`,
    '',
    '| benchmark | database | rows | gyeol req/s | p50 ms | p99 ms | ceiling req/s | ratio | goal | met |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...r.results.map(
      (m) =>
        `| ${m.benchmark} | ${m.database} | ${m.rows.toLocaleString('en')} | ${Math.round(m.gyeol.rps).toLocaleString('en')} | ${m.gyeol.p50Ms} | ${m.gyeol.p99Ms} | ${Math.round(m.ceiling.rps).toLocaleString('en')} | ${pct(m.ratio)} | ${m.goal} | ${m.met ? 'yes' : 'no'} |`,
    ),
    '',
    ...Object.entries(r.scaling)
      .filter(([, v]) => v !== null)
      .map(([db, v]) => `Lookup at ${r.settings.largeRows.toLocaleString('en')} rows vs ${r.settings.smallRows.toLocaleString('en')} (${db}): ${pct(v!)} of the throughput (goal: within 10 %).`),
    '',
  ];
  return lines.join('\n');
}
