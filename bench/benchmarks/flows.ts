/**
 * 2. Billing charge — `POST /subscribe/payments/again` end to end through the simulator — and
 * 3. checkout — the server side of a card window (session → window → PG → return → approval →
 * result) — on each database, 64 virtual users, against the same-run ceiling: raw better-sqlite3
 * doing the flow's transactions, one durable commit each (`bench/servers/commits.ts`), measured
 * before and after gyeol's SQLite run (the faster counts).
 *
 * Three processes besides the runner: the Smartro simulator (`bench/servers/simulator.ts`, its
 * file on a tmpfs: the PG's disk is not the gateway's), the gateway (`bench/servers/flows.ts`,
 * `startSystem` as `npm start` runs it, with the external simulator) and the load
 * (`bench/load/flows.ts`).
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runScriptLoad, startServer, type FlowLoadResult, type Started } from '../harness';
import { connections, databases, dist, durationS, postgresUrl, smoke, work, type BenchmarkOutput, type Database, type Load, type Measurement } from '../common';

/** Seconds of load before the measured ones, not counted: a flow crosses far more code than a lookup, and the JIT takes longer to settle. */
const warmupS = smoke ? 0.5 : 2;
/**
 * Virtual users. The smoke run only checks that every flow answers: a few users, so flows end
 * within its one-second window even on a busy machine (64 users' flows can take longer than that).
 */
const users = smoke ? 4 : connections;

interface FlowsInfo {
  url: string;
  simulatorUrl: string;
  shopUrl: string;
  impCode: string;
  channelKey: string;
  apiKey: string;
  apiSecret: string;
  customerPrefix: string;
  customers: number;
}

type Flow = 'billing' | 'checkout';

const GOALS: Record<Flow, { name: string; goal: string; met: (load: Load, database: Database) => boolean }> = {
  billing: {
    name: 'billing charge',
    goal: '≥ 2,000 charges/s, p99 ≤ 50 ms (SQLite)',
    met: (load, database) => database !== 'sqlite' || (load.rps >= 2000 && load.p99Ms <= 50),
  },
  checkout: {
    name: 'checkout approvals',
    goal: '≥ 1,500 approvals/s (SQLite)',
    met: (load, database) => database !== 'sqlite' || load.rps >= 1500,
  },
};

export const billingBenchmarks = (): Promise<BenchmarkOutput> => flowBenchmarks('billing');
export const checkoutBenchmarks = (): Promise<BenchmarkOutput> => flowBenchmarks('checkout');

async function flowBenchmarks(flow: Flow): Promise<BenchmarkOutput> {
  // The simulator's file on a tmpfs when there is one (Linux /dev/shm), else beside the others.
  const simDir = path.join(os.platform() === 'linux' ? '/dev/shm' : work, `gyeol-bench-sim-${process.pid}-${flow}`);
  const simulator = await startServer<{ url: string }>(path.join(dist, 'simulator.js'), { BENCH_SIM_DATA_DIR: simDir });
  const measurements: Measurement[] = [];
  try {
    // The ceiling is measured before and after gyeol's SQLite run, and the faster run counts: it is
    // bound by fsync, whose rate swings with the disk's other writers on a shared machine.
    const before = await ceilingOf(flow);
    let ceiling = before;
    for (const database of databases) {
      const gyeol = await flowLoad(flow, database, simulator.info.url);
      // (The smoke run, which only checks that everything answers, measures it once.)
      if (database === 'sqlite' && !smoke) {
        const after = await ceilingOf(flow);
        process.stderr.write(`${GOALS[flow].name} ceiling: ${Math.round(before.rps)}/s before, ${Math.round(after.rps)}/s after\n`);
        if (after.rps > before.rps) ceiling = after;
      }
      const ratio = database === 'sqlite' ? gyeol.rps / ceiling.rps : null;
      const clean = gyeol.requests > 0 && gyeol.non2xx === 0 && gyeol.errors === 0;
      measurements.push({
        benchmark: GOALS[flow].name,
        database,
        rows: 0,
        gyeol,
        ceiling: database === 'sqlite' ? ceiling : null,
        ratio,
        goal: database === 'sqlite' ? GOALS[flow].goal : 'none (measured)',
        met: clean && GOALS[flow].met(gyeol, database),
      });
      const share = gyeol.gatewayMs ? `; gateway's share p50 ${gyeol.gatewayMs.p50} ms` : '';
      process.stderr.write(
        `${GOALS[flow].name} ${database}: ${Math.round(gyeol.rps)}/s p50 ${gyeol.p50Ms} ms p99 ${gyeol.p99Ms} ms${share}; gateway CPU ${gyeol.cpuMsPerFlow} ms a flow` +
          `${ratio === null ? '' : `; ceiling ${Math.round(ceiling.rps)}/s (CPU ${ceiling.cpuMsPerFlow} ms a flow); ratio ${(ratio * 100).toFixed(1)} %`}` +
          `${gyeol.failures.length > 0 ? `; failures: ${gyeol.failures.join(' | ')}` : ''}\n`,
      );
    }
  } finally {
    await simulator.stop();
    rmSync(simDir, { recursive: true, force: true });
  }
  return { measurements };
}

/** gyeol on `database` under the flow's load; the gateway's RSS sampled meanwhile. */
async function flowLoad(flow: Flow, database: Database, simulatorUrl: string): Promise<FlowLoadResult & { rssMiB: number | null }> {
  const env: Record<string, string> =
    database === 'postgres'
      ? { DATABASE_URL: postgresUrl!, BENCH_PG_SCHEMA: `bench_${flow}_${process.pid}`, BENCH_DATA_DIR: path.join(work, `${flow}-pg`) }
      : { DATABASE_URL: '', BENCH_DATA_DIR: path.join(work, `${flow}-sqlite`) };
  const server: Started<FlowsInfo> = await startServer<FlowsInfo>(path.join(dist, 'flows.js'), { ...env, BENCH_SIM_URL: simulatorUrl, BENCH_CUSTOMERS: String(users) });
  try {
    return await runScriptLoad(path.join(dist, 'load', 'flows.js'), { flow, connections: users, durationS, warmupS, ...server.info }, server.pid);
  } finally {
    await server.stop();
  }
}

/** The same-run ceiling: the flow's transactions in raw better-sqlite3, one durable commit each. */
async function ceilingOf(flow: Flow): Promise<FlowLoadResult> {
  const server = await startServer<{ url: string }>(path.join(dist, 'commits.js'), { BENCH_DATA_DIR: path.join(work, `${flow}-ceiling`) });
  try {
    const { rssMiB: _unused, ...load } = await runScriptLoad(path.join(dist, 'load', 'flows.js'), { flow: 'post', connections: users, durationS, warmupS, url: `${server.info.url}/${flow}` }, server.pid);
    return load;
  } finally {
    await server.stop();
  }
}
