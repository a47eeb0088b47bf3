/**
 * `npm run bench`: gyeol's benchmarks (issue 10), each against a ceiling measured in the same run,
 * on SQLite and — when DATABASE_URL is a PostgreSQL URL — on PostgreSQL. Writes
 * bench/results/latest.json and bench/results/latest.md (the table docs/performance.md shows).
 *
 *   BENCH_DURATION_S   seconds of load per measurement (default 10)
 *   BENCH_ROWS         the large table size (default 1,000,000)
 *   BENCH_SMOKE=1      CI's smoke run: small tables, short loads; checks the benchmarks work, asserts no timings
 *
 * Written so far: lookup, lists at scale, front end, process. The others of issue 10 join here.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
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

type Database = 'sqlite' | 'postgres';
type Load = LoadResult & { rssMiB: number | null };

interface GatewayInfo {
  url: string;
  shopUrl: string;
  impCode: string;
  channelKey: string;
  apiKey: string;
  apiSecret: string;
  impUid: string;
  rows: number;
}

interface Measurement {
  benchmark: string;
  database: Database;
  rows: number;
  gyeol: Load;
  ceiling: LoadResult;
  /** gyeol's throughput over the ceiling's, same run. */
  ratio: number;
  goal: string;
  met: boolean;
}

interface Check {
  benchmark: string;
  what: string;
  value: number;
  unit: string;
  goal: string;
  met: boolean;
}

function gateway(database: Database, rows: number) {
  const env: Record<string, string> =
    database === 'postgres'
      ? { DATABASE_URL: postgresUrl!, BENCH_PG_SCHEMA: `bench_${rows}`, BENCH_DATA_DIR: path.join(work, `pg-${rows}`), BENCH_ROWS: String(rows) }
      : { DATABASE_URL: '', BENCH_DATA_DIR: path.join(work, `sqlite-${rows}`), BENCH_ROWS: String(rows) };
  return startServer<GatewayInfo>(path.join(dist, 'gateway.js'), env);
}

async function ceiling(): Promise<LoadResult> {
  const server = await startServer<{ url: string; token: string }>(path.join(dist, 'ceiling.js'), {});
  try {
    return await runLoad({ url: `${server.info.url}/payments/imp_000000000001`, connections, durationS, headers: { Authorization: `Bearer ${server.info.token}` } });
  } finally {
    await server.stop();
  }
}

/**
 * 1. Lookup: `GET /payments/{imp_uid}` with a token; 5. lists at scale: `GET /payments/status/paid`
 * (`limit=20`), its first page and a deep one (the middle of the table). One gateway, one ceiling.
 */
async function lookupAndLists(database: Database, rows: number): Promise<Measurement[]> {
  const server = await gateway(database, rows);
  try {
    const token = await v1Token(server.info.url, server.info.apiKey, server.info.apiSecret);
    const headers = { Authorization: `Bearer ${token}` };
    const deepPage = Math.max(1, Math.floor(server.info.rows / 20 / 2));
    const targets = [
      { benchmark: 'lookup', url: `${server.info.url}/payments/${server.info.impUid}`, goal: database === 'sqlite' ? '≥ 60 % of ceiling, p99 ≤ 10 ms' : 'p99 ≤ 10 ms', ratioGoal: database === 'sqlite' ? 0.6 : 0 },
      { benchmark: 'list page 1', url: `${server.info.url}/payments/status/paid?limit=20`, goal: 'p99 ≤ 10 ms', ratioGoal: 0 },
      { benchmark: `list page ${deepPage}`, url: `${server.info.url}/payments/status/paid?limit=20&page=${deepPage}`, goal: 'p99 ≤ 10 ms', ratioGoal: 0 },
    ];
    for (const t of targets) {
      const check = await fetch(t.url, { headers });
      if (check.status !== 200) throw new Error(`${t.benchmark} answered HTTP ${check.status}: ${(await check.text()).slice(0, 300)}`);
    }
    const loads: Load[] = [];
    // The smoke run only checks that each benchmark answers: a few connections, so a slow list still completes requests in its short run.
    for (const t of targets) loads.push(await runLoad({ url: t.url, connections: smoke && t.benchmark !== 'lookup' ? 4 : connections, durationS, headers }, server.pid));
    const top = await ceiling();
    return targets.map((t, i) => {
      const gyeol = loads[i]!;
      const ratio = gyeol.rps / top.rps;
      const met = gyeol.requests > 0 && ratio >= t.ratioGoal && gyeol.p99Ms <= 10 && gyeol.non2xx === 0 && gyeol.errors === 0;
      return { benchmark: t.benchmark, database, rows: server.info.rows, gyeol, ceiling: top, ratio, goal: t.goal, met };
    });
  } finally {
    await server.stop();
  }
}

/** 6. Front end: the SDK's and the checkout window's gzipped size, and the window page's time. */
async function frontEnd(): Promise<Check[]> {
  const gz = (text: string | Buffer) => gzipSync(text, { level: 9 }).length;
  const server = await gateway('sqlite', smallRows);
  try {
    const { url, shopUrl, impCode, channelKey } = server.info;
    const sdk = await (await fetch(`${url}/v1/iamport.js`)).text();
    const session = await fetch(`${url}/checkout/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: shopUrl },
      body: JSON.stringify({
        user_code: impCode,
        mode: 'pc',
        page_url: `${shopUrl}/`,
        params: { channelKey, pay_method: 'card', merchant_uid: `bench${Date.now()}`, name: '결 머그컵', amount: 1004, buyer_name: '홍길동', buyer_tel: '010-1234-5678', buyer_email: 'buyer@example.com' },
      }),
    });
    const opened = (await session.json()) as { code: number; message: string; response: { window_url: string } };
    if (opened.code !== 0) throw new Error(`checkout session refused: ${opened.message}`);
    const windowUrl = opened.response.window_url;
    const page = await (await fetch(windowUrl)).text();
    // gyeol's own window: the page (with its inline CSS) and the gyeol scripts it loads; the PG's own library is the PG's.
    const ownScripts = [...page.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((src) => src.startsWith('/') || src.startsWith(url));
    let windowBytes = gz(page);
    for (const src of ownScripts) windowBytes += gz(await (await fetch(new URL(src, url))).text());
    const pageLoad = await runLoad({ url: windowUrl, connections: 1, durationS: Math.min(durationS, 5) });
    if (pageLoad.non2xx > 0 || pageLoad.errors > 0) throw new Error(`the window page failed under load (${pageLoad.non2xx} non-2xx, ${pageLoad.errors} errors)`);
    return [
      { benchmark: 'front end', what: '/v1/iamport.js gzipped', value: gz(sdk), unit: 'bytes', goal: '≤ 5 KB', met: gz(sdk) <= 5 * 1024 },
      { benchmark: 'front end', what: `checkout window (HTML+CSS+${ownScripts.length} scripts) gzipped`, value: windowBytes, unit: 'bytes', goal: '≤ 30 KB', met: windowBytes <= 30 * 1024 },
      // autocannon's percentiles are whole milliseconds: the mean over one connection is the finer figure (an upper bound of the server's time).
      { benchmark: 'front end', what: 'window page, mean latency (1 connection, loopback)', value: pageLoad.meanMs, unit: 'ms', goal: '≤ 2 ms median', met: pageLoad.meanMs <= 2 },
    ];
  } finally {
    await server.stop();
  }
}

/** 7. Process: `node dist/main.js` (what `npm start` runs after its build) until it prints its banner. */
async function startTime(): Promise<Check> {
  const dataDir = path.join(work, 'start');
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const started = process.hrtime.bigint();
      const child = spawn(process.execPath, ['dist/main.js'], {
        env: { ...process.env, DATABASE_URL: '', GYEOL_DATA_DIR: dataDir, GYEOL_PORT: '0', GYEOL_SIM_PORT: '0', GYEOL_SHOP_PORT: '0', GYEOL_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('test cards:')) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          child.once('exit', () => resolve(ms));
          child.kill('SIGTERM');
        }
      });
      child.once('exit', (code) => {
        if (!out.includes('test cards:')) reject(new Error(`dist/main.js exited with ${code} before it was ready`));
      });
    });
  await once(); // the first start creates the demo store; later starts are what a restart costs
  const times: number[] = [];
  for (let i = 0; i < 3; i++) times.push(await once());
  const median = times.sort((a, b) => a - b)[1]!;
  return { benchmark: 'process', what: 'npm start ready (after a build, existing data), median of 3', value: Math.round(median), unit: 'ms', goal: '≤ 1,500 ms', met: median <= 1500 };
}

async function resetPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl! });
  await client.connect();
  try {
    for (const rows of [smallRows, largeRows]) await client.query(`drop schema if exists bench_${rows} cascade`);
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
    for (const m of await lookupAndLists(database, rows)) {
      results.push(m);
      process.stderr.write(`${m.benchmark} ${database} ${m.rows} rows: ${Math.round(m.gyeol.rps)}/s p99 ${m.gyeol.p99Ms} ms; ceiling ${Math.round(m.ceiling.rps)}/s; ratio ${(m.ratio * 100).toFixed(1)} %\n`);
    }
  }
}
const checks: Check[] = [...(await frontEnd()), await startTime()];
const peakRss = Math.max(...results.map((m) => m.gyeol.rssMiB ?? 0));
checks.push({ benchmark: 'process', what: 'gateway RSS, peak during the load benchmarks', value: peakRss, unit: 'MiB', goal: '≤ 200 MiB', met: peakRss <= 200 });

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
const broken = results.filter((m) => (smoke && m.gyeol.requests === 0) || m.gyeol.non2xx > 0 || m.gyeol.errors > 0 || m.ceiling.non2xx > 0 || m.ceiling.errors > 0);
if (broken.length > 0) {
  process.stderr.write(`no answer, or answers that were not 2xx or failed: ${broken.map((m) => `${m.benchmark} ${m.database} ${m.rows}`).join(', ')}\n`);
  process.exitCode = 1;
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
        `| ${m.benchmark} | ${m.database} | ${n(m.rows)} | ${n(m.gyeol.rps)} | ${m.gyeol.p50Ms} | ${m.gyeol.p99Ms} | ${n(m.ceiling.rps)} | ${pct(m.ratio)} | ${m.goal} | ${m.met ? 'yes' : 'no'} |`,
    ),
    '',
    ...Object.entries(r.scaling)
      .filter(([, v]) => v !== null)
      .map(([db, v]) => `Lookup at ${n(r.settings.largeRows)} rows vs ${n(r.settings.smallRows)} (${db}): ${pct(v!)} of the throughput (goal: within 10 %).`),
    '',
    '| benchmark | what | value | goal | met |',
    '|---|---|---:|---|---|',
    ...r.checks.map((c) => `| ${c.benchmark} | ${c.what} | ${c.unit === 'ms' && c.value < 100 ? c.value.toFixed(2) : n(c.value)} ${c.unit} | ${c.goal} | ${c.met ? 'yes' : 'no'} |`),
    '',
  ].join('\n');
}
