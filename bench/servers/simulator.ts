/**
 * The Smartro simulator in its own process for the billing and checkout benchmarks, so the
 * gateway's process holds only the gateway (and what `npm start` runs beside it) and its figures
 * are the gateway's. As `npm run simulator` (src/simulators/smartro/main.ts), without request logs:
 * the PG's logging is no part of what is measured.
 *
 * Its file is `BENCH_SIM_DATA_DIR/smartro-sim.sqlite`: the benchmarks put it on a tmpfs
 * (/dev/shm), because on this machine a durable commit costs 2–3 ms and the simulator commits once
 * per window step and per approval — the PG's disk would be the limit, and a real PG's disk is not
 * on the gateway's machine. The simulator itself is unchanged (WAL, synchronous=FULL).
 *
 * Prints one JSON line `{url}` on stdout once it listens.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { buildSmartroSimulator } from '../../src/simulators/smartro/server';

const dataDir = process.env.BENCH_SIM_DATA_DIR ?? 'data/bench/sim';
mkdirSync(dataDir, { recursive: true });
const app = buildSmartroSimulator({ assetDir: path.resolve('dist/public'), dataFile: path.join(dataDir, 'smartro-sim.sqlite') });
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: address })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
