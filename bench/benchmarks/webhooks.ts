/**
 * 4. Webhooks (issue 10): events committed by the gateway (`payments.apply`: the payment and its
 * outbox row in one transaction) delivered by its webhook worker to a receiver in another process.
 * Goal: ≥ 5,000 deliveries/s, p99 from commit to first attempt ≤ 100 ms. On each database:
 *
 * - **steady**: events committed at the goal's rate (5,000 a second, a batch every 10 ms) for
 *   BENCH_DURATION_S seconds while the worker runs; p99 of (first arrival at the receiver −
 *   commit), and the rate they were delivered at;
 * - **backlog**: 100,000 events committed while the worker is stopped, then the worker started:
 *   deliveries/s from its start to the last first arrival;
 * - **ceiling**, same run: a bare loop (`bench/servers/webhook-ceiling.ts`) posting the same
 *   bodies and headers to the same receiver with the same concurrency, for BENCH_DURATION_S (or as
 *   many requests as the backlog); gyeol's backlog rate is reported as a share of it.
 *
 * Correctness, checked in every run (the smoke run fails on it): every event arrived, every
 * delivery is `succeeded` after one attempt, no attempt answered other than 2xx, nothing left
 * undispatched. Knobs: BENCH_WEBHOOK_EVENTS (backlog size), BENCH_WEBHOOK_RATE (steady rate),
 * BENCH_WEBHOOK_CONCURRENCY (the worker's, and the ceiling's, requests in flight), BENCH_PROFILE_DIR
 * (a CPU profile of the gateway process goes there, from the start of BENCH_PROFILE_PHASE —
 * `backlog` (default) or `steady` — to its stop), BENCH_SQL_TIMING=1 (time per SQL text, per phase).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { rssMiB, startServer, type Started } from '../harness';
import { databases, dist, durationS, postgresUrl, smoke, work, type BenchmarkOutput, type Check, type Database } from '../common';

const backlogEvents = Number(process.env.BENCH_WEBHOOK_EVENTS ?? (smoke ? 2_000 : 100_000));
const steadyRate = Number(process.env.BENCH_WEBHOOK_RATE ?? (smoke ? 1_000 : 5_000));
const steadyEvents = Math.round(steadyRate * durationS);
export const webhookConcurrency = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 64);
/** Give up waiting when no new webhook arrived for this long. */
const STALL_MS = 30_000;
/**
 * How long a phase may wait for its webhooks after the last commit (BENCH_WEBHOOK_MAX_S; at the
 * goal's rate a backlog of 100,000 takes 20 s): a worker far below the goal would otherwise keep
 * the run going for minutes. What has not arrived by then
 * counts as not delivered in time (the smoke run fails on it).
 */
const MAX_WAIT_MS = Number(process.env.BENCH_WEBHOOK_MAX_S ?? (smoke ? 120 : 30)) * 1000;

const GOAL_RATE = 5_000;
const GOAL_P99_MS = 100;

type Commits = { impUids: string[]; committedAt: number[] };
interface ReceiverStats {
  total: number;
  unique: number;
  duplicates: number;
  unparsable: number;
  firstAt: number | null;
  lastAt: number | null;
}
interface GatewayState {
  /** Differences between the rows copied in SQL and those payments.apply wrote (none expected). */
  copies: string[];
  deliveries: { state: string; attempts: number; n: number }[];
  attempts: number;
  non2xxAttempts: number;
  undispatchedEvents: number;
}

const wallNow = () => performance.timeOrigin + performance.now();

async function call<T>(url: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<T> {
  const res = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
  return (await res.json()) as T;
}

/** Waits until the receiver has `unique` distinct webhooks, none arrived for STALL_MS, or MAX_WAIT_MS have passed. */
async function untilReceived(receiverUrl: string, unique: number): Promise<ReceiverStats> {
  let stats = await call<ReceiverStats>(`${receiverUrl}/_bench/stats`);
  let seen = stats.total;
  let progressAt = Date.now();
  const deadline = Date.now() + MAX_WAIT_MS;
  while (stats.unique < unique && Date.now() - progressAt < STALL_MS && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    stats = await call<ReceiverStats>(`${receiverUrl}/_bench/stats`);
    if (stats.total !== seen) {
      seen = stats.total;
      progressAt = Date.now();
    }
  }
  return stats;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Latencies (first arrival − commit), sorted, of the committed events; one that has not arrived
 * counts as arriving `gaveUpAt` (a lower bound). Also how many did not arrive, and the last arrival.
 */
function latencies(commits: Commits, arrivals: Record<string, number>, gaveUpAt: number): { sorted: number[]; missing: number; lastArrival: number } {
  const out: number[] = [];
  let missing = 0;
  let lastArrival = 0;
  commits.impUids.forEach((impUid, i) => {
    const at = arrivals[impUid];
    if (at === undefined) missing++;
    else lastArrival = Math.max(lastArrival, at);
    out.push((at ?? gaveUpAt) - commits.committedAt[i]!);
  });
  return { sorted: out.sort((a, b) => a - b), missing, lastArrival };
}

export async function webhookBenchmarks(): Promise<BenchmarkOutput> {
  const checks: Check[] = [];
  for (const database of databases) checks.push(...(await webhooksOn(database)));
  return { checks };
}

async function webhooksOn(database: Database): Promise<Check[]> {
  const receiver = await startServer<{ url: string }>(path.join(dist, 'webhook-receiver.js'), {});
  let gateway: Started<{ controlUrl: string; gatewayUrl: string; prepared: number }> | null = null;
  let peak: number | null = null;
  let sampler: NodeJS.Timeout | null = null;
  const problems: string[] = [];
  try {
    const dbEnv: Record<string, string> =
      database === 'postgres'
        ? { DATABASE_URL: postgresUrl!, BENCH_PG_SCHEMA: `bench_webhooks_${process.pid}`, BENCH_DATA_DIR: path.join(work, 'webhooks-pg') }
        : { DATABASE_URL: '', BENCH_DATA_DIR: path.join(work, 'webhooks-sqlite') };
    gateway = await startServer(path.join(dist, 'webhook-gateway.js'), {
      ...dbEnv,
      BENCH_PAYMENTS: String(backlogEvents + steadyEvents),
      BENCH_RECEIVER_URL: receiver.info.url,
      GYEOL_WEBHOOK_CONCURRENCY: String(webhookConcurrency),
      // A CPU profile of the gateway process (what --cpu-prof writes), when it stops.
      ...(process.env.BENCH_PROFILE_DIR ? { BENCH_PROFILE_FILE: path.resolve(process.env.BENCH_PROFILE_DIR, `webhooks-${database}.cpuprofile`) } : {}),
    });
    const gw = gateway;
    sampler = setInterval(() => {
      const now = rssMiB(gw.pid);
      if (now !== null) peak = Math.max(peak ?? 0, now);
    }, 250);
    const control = gateway.info.controlUrl;

    // Steady: commits at the goal's rate while the worker runs.
    const profilePhase = process.env.BENCH_PROFILE_PHASE ?? 'backlog';
    if (profilePhase === 'steady') await call(`${control}/profile/start`, 'POST');
    const sqlTiming = async (phase: string) => {
      if (!process.env.BENCH_SQL_TIMING) return;
      const rows = await call<{ sql: string; n: number; ms: number }[]>(`${control}/timing`);
      process.stderr.write(`webhooks ${database} ${phase}: time per SQL text\n`);
      for (const r of rows.slice(0, 20)) process.stderr.write(`${r.ms.toFixed(0).padStart(8)} ms ${String(r.n).padStart(7)} × ${(r.ms / r.n).toFixed(3)} ms  ${r.sql}\n`);
      await call(`${control}/timing/reset`, 'POST');
    };
    await sqlTiming('preparation');
    const steady = await call<Commits>(`${control}/produce`, 'POST', { count: steadyEvents, ratePerS: steadyRate });
    await untilReceived(receiver.info.url, steadyEvents);
    const steadyLat = latencies(steady, await call<Record<string, number>>(`${receiver.info.url}/_bench/arrivals`), wallNow());
    // Not delivered within the wait: too slow in a real run (counted in the p99 as arriving now), broken in the smoke run.
    const late: string[] = [];
    if (steadyLat.missing > 0) late.push(`steady: ${steadyLat.missing} of ${steadyEvents} events not delivered within the wait`);
    const steadyPerS = (steadyEvents - steadyLat.missing) / ((steadyLat.lastArrival - steady.committedAt[0]!) / 1000);
    const p99 = percentile(steadyLat.sorted, 99);
    const committedPerS = steadyEvents / ((steady.committedAt.at(-1)! - steady.committedAt[0]!) / 1000);
    process.stderr.write(
      `webhooks ${database} steady ${steadyRate}/s offered, ${Math.round(committedPerS)}/s committed: delivered ${Math.round(steadyPerS)}/s; commit → first attempt p50 ${percentile(steadyLat.sorted, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${steadyLat.sorted.at(-1)?.toFixed(1)} ms\n`,
    );

    // Backlog: committed with the worker stopped, then delivered.
    await call(`${control}/worker/stop`, 'POST');
    await call(`${receiver.info.url}/_bench/reset`, 'POST');
    const backlog = await call<Commits>(`${control}/produce`, 'POST', { count: backlogEvents, batch: 1000 });
    await sqlTiming('steady phase and backlog commits');
    process.stderr.write(`webhooks ${database}: backlog committed at ${Math.round(backlogEvents / ((backlog.committedAt.at(-1)! - backlog.committedAt[0]!) / 1000))} events/s (batches of 1,000, worker stopped)\n`);
    if (profilePhase === 'backlog') await call(`${control}/profile/start`, 'POST');
    const startedAt = wallNow();
    await call(`${control}/worker/start`, 'POST');
    const received = await untilReceived(receiver.info.url, backlogEvents);
    const backlogLat = latencies(backlog, await call<Record<string, number>>(`${receiver.info.url}/_bench/arrivals`), wallNow());
    if (backlogLat.missing > 0) late.push(`backlog: ${backlogLat.missing} of ${backlogEvents} events not delivered within the wait`);
    const backlogPerS = (backlogEvents - backlogLat.missing) / ((backlogLat.lastArrival - startedAt) / 1000);
    if (received.duplicates > 0) process.stderr.write(`webhooks ${database}: ${received.duplicates} duplicate deliveries (at least once)\n`);

    // Every delivery succeeded on its first attempt, each recorded; nothing left behind.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // (The peak RSS is the worker's at work, not of the checks below.)
    if (sampler) clearInterval(sampler);
    sampler = null;
    await sqlTiming('backlog delivery');
    const state = await call<GatewayState>(`${control}/state`);
    const total = steadyEvents + backlogEvents;
    const firstTry = state.deliveries.find((d) => d.state === 'succeeded' && d.attempts === 1)?.n ?? 0;
    // (When the wait was cut short, deliveries are still going on: only the finished ones are checked.)
    const others = state.deliveries.filter((d) => !(d.state === 'succeeded' && d.attempts === 1) && !(late.length > 0 && d.state === 'pending' && d.attempts <= 1));
    if ((late.length === 0 && firstTry !== total) || others.length > 0) problems.push(`${firstTry} of ${total} deliveries succeeded at their first attempt: ${JSON.stringify(state.deliveries)}`);
    if (state.copies.length > 0) problems.push(`copied approvals differ from applied ones: ${state.copies.join('; ')}`);
    if (state.non2xxAttempts > 0) problems.push(`${state.non2xxAttempts} attempts were not answered 2xx`);
    if (state.undispatchedEvents > 0 && late.length === 0) problems.push(`${state.undispatchedEvents} events left undispatched`);
    await gateway.stop();
    gateway = null;

    // The ceiling: the same posts, same receiver, same concurrency, no gateway.
    await call(`${receiver.info.url}/_bench/reset`, 'POST');
    const ceilingRun = await startServer<{ count: number; seconds: number; perS: number; non2xx: number; errors: number }>(path.join(dist, 'webhook-ceiling.js'), {
      BENCH_RECEIVER_URL: receiver.info.url,
      BENCH_COUNT: String(backlogEvents),
      BENCH_SECONDS: String(durationS),
      BENCH_CONCURRENCY: String(webhookConcurrency),
    });
    await ceilingRun.stop();
    const ceiling = ceilingRun.info;
    if (ceiling.non2xx > 0 || ceiling.errors > 0) problems.push(`ceiling: ${ceiling.non2xx} non-2xx, ${ceiling.errors} errors`);
    const ratio = backlogPerS / ceiling.perS;
    process.stderr.write(
      `webhooks ${database} backlog of ${backlogEvents}: ${Math.round(backlogPerS)} deliveries/s; ceiling ${Math.round(ceiling.perS)}/s; ratio ${(ratio * 100).toFixed(1)} %; gateway peak RSS ${peak} MiB\n`,
    );

    if (problems.length > 0 || late.length > 0) {
      const message = `webhooks ${database}: ${[...problems, ...late].join('; ')}`;
      // The smoke run only checks that everything arrives, once, answered 2xx: anything missing breaks it.
      if (smoke) throw new Error(message);
      process.stderr.write(`${message}\n`);
    }
    const ok = problems.length === 0;
    const n = (x: number) => Math.round(x).toLocaleString('en');
    const rateCheck: Check & { ceilingPerS: number; ratio: number; steadyPerS: number } = {
      benchmark: 'webhooks',
      database,
      what: `deliveries/s, ${n(backlogEvents)} queued events, ${webhookConcurrency} in flight (ceiling ${n(ceiling.perS)}/s, ${(ratio * 100).toFixed(1)} %)${backlogLat.missing > 0 ? `; ${n(backlogLat.missing)} not delivered within ${MAX_WAIT_MS / 1000} s` : ''}`,
      value: backlogPerS,
      unit: '/s',
      goal: `≥ ${n(GOAL_RATE)}/s`,
      met: ok && backlogPerS >= GOAL_RATE,
      rssMiB: peak,
      ceilingPerS: ceiling.perS,
      ratio,
      steadyPerS,
    };
    const latencyCheck: Check & { p50Ms: number; maxMs: number } = {
      benchmark: 'webhooks',
      database,
      what: `p99 commit → first attempt, ${n(steadyRate)} events/s offered for ${durationS} s (${n(committedPerS)}/s committed, ${n(steadyPerS)}/s delivered)${steadyLat.missing > 0 ? `; ${n(steadyLat.missing)} not delivered within ${MAX_WAIT_MS / 1000} s, counted as arriving then` : ''}`,
      value: p99,
      unit: 'ms',
      goal: `≤ ${GOAL_P99_MS} ms`,
      met: ok && p99 <= GOAL_P99_MS,
      p50Ms: percentile(steadyLat.sorted, 50),
      maxMs: steadyLat.sorted.at(-1) ?? Number.NaN,
    };
    return [rateCheck, latencyCheck];
  } finally {
    if (sampler) clearInterval(sampler);
    await gateway?.stop();
    await receiver.stop();
  }
}
