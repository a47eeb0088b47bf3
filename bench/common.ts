/**
 * What the benchmark modules share: the run's settings, the shapes of their results, the gateway
 * under test (`bench/servers/gateway.ts` in its own process) and the lookup's ceiling.
 */
import path from 'node:path';
import { runLoad, startServer, type LoadResult } from './harness';

export const smoke = process.env.BENCH_SMOKE === '1';
export const durationS = Number(process.env.BENCH_DURATION_S ?? (smoke ? 2 : 5));
export const largeRows = Number(process.env.BENCH_ROWS ?? (smoke ? 5_000 : 1_000_000));
export const smallRows = smoke ? 100 : 1_000;
export const connections = 64;
export const postgresUrl = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL! : null;
/** The databases every database benchmark runs on: SQLite, and PostgreSQL when DATABASE_URL is one. */
export const databases: Database[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];
export const dist = path.resolve('dist/bench');
export const work = path.resolve('data/bench');

export type Database = 'sqlite' | 'postgres';
export type Load = LoadResult & { rssMiB: number | null };

/** A load measured against a ceiling measured in the same run (or none, where the issue names none). */
export interface Measurement {
  benchmark: string;
  database: Database;
  rows: number;
  gyeol: Load;
  ceiling: LoadResult | null;
  /** gyeol's throughput over the ceiling's, same run; null without a ceiling. */
  ratio: number | null;
  goal: string;
  met: boolean;
}

/** One figure that is not a request load (a size, a time, a rate measured by the benchmark itself). */
export interface Check {
  benchmark: string;
  what: string;
  value: number;
  unit: string;
  goal: string;
  met: boolean;
  /** Set for figures of one database. */
  database?: Database;
  /** A peak RSS of the server under test, when the benchmark sampled one (the process check takes the largest). */
  rssMiB?: number | null;
}

export interface BenchmarkOutput {
  measurements?: Measurement[];
  checks?: Check[];
}

export interface GatewayInfo {
  url: string;
  shopUrl: string;
  simulatorUrl: string;
  impCode: string;
  channelKey: string;
  apiKey: string;
  apiSecret: string;
  impUid: string;
  /** Payments spread over the table, more than the lookup keeps answers for. */
  spreadImpUids: string[];
  rows: number;
}

/** The gateway under test (`startSystem`, as `npm start` runs it) on a payments table of `rows` rows, in its own process. */
export function gateway(database: Database, rows: number, extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> =
    database === 'postgres'
      ? { DATABASE_URL: postgresUrl!, BENCH_PG_SCHEMA: `bench_${rows}_${process.pid}`, BENCH_DATA_DIR: path.join(work, `pg-${rows}`), BENCH_ROWS: String(rows) }
      : { DATABASE_URL: '', BENCH_DATA_DIR: path.join(work, `sqlite-${rows}`), BENCH_ROWS: String(rows) };
  return startServer<GatewayInfo>(path.join(dist, 'gateway.js'), { ...env, ...extraEnv });
}

/** The lookup's ceiling: a bare Fastify route that verifies an HMAC token and answers 1 KB (`bench/servers/ceiling.ts`). */
export async function ceiling(): Promise<LoadResult> {
  const server = await startServer<{ url: string; token: string }>(path.join(dist, 'ceiling.js'), {});
  try {
    return await runLoad({ url: `${server.info.url}/payments/imp_000000000001`, connections, durationS, headers: { Authorization: `Bearer ${server.info.token}` } });
  } finally {
    await server.stop();
  }
}

/** PostgreSQL schemas the benchmarks create are named `bench_*`; the runner drops them all before a run. */
export const pgSchemaPrefix = 'bench_';
