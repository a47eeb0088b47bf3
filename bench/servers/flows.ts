/**
 * gyeol as the billing-charge and checkout benchmarks measure it: `startSystem` (gateway, demo
 * shop, jobs — what `npm start` runs) with the Smartro simulator in another process
 * (`BENCH_SIM_URL`, `GYEOL_SIMULATOR=external`), logging as `npm start` does (pino, info, one line
 * per request) into `BENCH_DATA_DIR/gateway.log` instead of a terminal. SQLite in
 * `BENCH_DATA_DIR`, or PostgreSQL on `DATABASE_URL` (schema `BENCH_PG_SCHEMA`).
 *
 * For the billing charge it registers `BENCH_CUSTOMERS` billing customers (`bench0`, `bench1`, …)
 * of the demo store: each key is issued by the simulator (its test-only `POST /sim/billing-keys`
 * answers what the billing window posts back), read and verified by the Smartro connector and
 * saved sealed, as a billing window's return would save it — so the keys are real and every
 * charge verifies at the simulator.
 *
 * Prints one JSON line on stdout once it listens: `{url, simulatorUrl, shopUrl, impCode, channelKey,
 * apiKey, apiSecret, customerPrefix, customers}`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { SecretBox } from '../../src/services/secrets';
import { startSystem } from '../../src/system';
import { registerCustomer } from '../../test/support/billing';

const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? 'data/bench/flows');
const simulatorUrl = process.env.BENCH_SIM_URL;
if (!simulatorUrl) throw new Error('BENCH_SIM_URL is required (the simulator runs in its own process)');
const customers = Number(process.env.BENCH_CUSTOMERS ?? 64);
const pgSchema = process.env.BENCH_PG_SCHEMA;
// A fixed instance secret, so this process can seal the billing keys it registers as the gateway does.
const instanceSecret = 'gyeol-bench-instance-secret-0123456789';
mkdirSync(dataDir, { recursive: true });

const config = loadConfig({
  ...process.env,
  GYEOL_PORT: '0',
  GYEOL_SHOP_PORT: '0',
  GYEOL_DATA_DIR: dataDir,
  GYEOL_SIMULATOR: 'external',
  GYEOL_SIM_PUBLIC_URL: simulatorUrl,
  GYEOL_SECRET: instanceSecret,
});
// As src/main.ts: info level, secrets redacted; written to a file as a supervisor would collect stdout.
const logger = pino(
  { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers["x-imptokenheader"]', '*.imp_secret', '*.apiSecret', '*.merchantKey'] },
  pino.destination({ dest: path.join(dataDir, 'gateway.log'), sync: false, mkdir: true }),
);
const system = await startSystem({ config, logger, pgSchema });

const storeRecord = await system.store.stores.findByApiKey(system.demo.apiKey);
if (!storeRecord) throw new Error('the demo store is missing');
const channel = await system.store.channels.findByChannelKey(storeRecord.id, system.demo.channelKey);
if (!channel) throw new Error('the demo channel is missing');
const secretBox = new SecretBox(instanceSecret);
const customerPrefix = 'bench';

for (let i = 0; i < customers; i++) {
  const customerUid = `${customerPrefix}${i}`;
  if (await system.store.billingCustomers.find(storeRecord.id, customerUid)) continue;
  // As a window's return saves it: the simulator issues the key, the connector reads and verifies it, it is saved sealed.
  await registerCustomer({ store: system.store, services: system.services, secretBox, simulatorUrl, now: new Date() }, channel, { customerUid, customerId: `member${i}` });
}

process.stdout.write(
  `${JSON.stringify({
    url: system.gatewayUrl,
    simulatorUrl: system.simulatorUrl,
    shopUrl: system.shopUrl,
    impCode: system.demo.impCode,
    channelKey: system.demo.channelKey,
    apiKey: system.demo.apiKey,
    apiSecret: system.demo.apiSecret,
    customerPrefix,
    customers,
  })}\n`,
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void system.close().then(() => {
      logger.flush();
      process.exit(0);
    });
  });
}
