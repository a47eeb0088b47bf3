/**
 * gyeol as the lookup benchmark measures it: `startSystem` (gateway, simulator, demo shop, jobs —
 * what `npm start` runs) on a database holding `BENCH_ROWS` payments of the demo store, in
 * `BENCH_DATA_DIR` (SQLite) or on `DATABASE_URL` (PostgreSQL, schema `BENCH_PG_SCHEMA`).
 *
 * One payment is recorded through the store, then copied in SQL (`insert … select` over a series)
 * with new imp_uids and merchant_uids: a million rows in seconds, every column as the store wrote it.
 * Prints one JSON line `{url, apiKey, apiSecret, impUid, rows}` on stdout once it listens.
 */
import { sql } from 'kysely';
import { clonePayments } from '../seed';
import { loadConfig } from '../../src/config';
import { startSystem } from '../../src/system';
import { openDatabase } from '../../src/store/db';
import { applied, newPaymentInput, paymentEvents } from '../../src/store/test-fixtures';

const rows = Number(process.env.BENCH_ROWS ?? 1000);
/** More payments than the lookup keeps answers for (4,096), so a lookup taking turns through them always reads the payment whole. */
const SPREAD = 10_000;
const dataDir = process.env.BENCH_DATA_DIR ?? 'data/bench';
const pgSchema = process.env.BENCH_PG_SCHEMA;
const config = loadConfig({ ...process.env, GYEOL_PORT: '0', GYEOL_SIM_PORT: '0', GYEOL_SHOP_PORT: '0', GYEOL_DATA_DIR: dataDir });
const system = await startSystem({ config, pgSchema });

const storeRecord = await system.store.stores.findByApiKey(system.demo.apiKey);
if (!storeRecord) throw new Error('the demo store is missing');
const channel = await system.store.channels.findByChannelKey(storeRecord.id, system.demo.channelKey);
if (!channel) throw new Error('the demo channel is missing');

const seedStarted = Date.now();
const existing = await countPayments(storeRecord.id);
if (existing < rows) {
  // A paid card payment (so the status lists have something to page through), its copies spread one second apart.
  const now = Date.now();
  const fresh = await system.store.payments.insert(newPaymentInput(storeRecord.id, channel.id, { merchantUid: `bench${now}`, startedAt: new Date(now - rows * 1000) }));
  const requested = await applied(system.store, fresh, paymentEvents.requested(`bench-tid-${now}`, new Date(now - rows * 1000)));
  const template = await applied(system.store, requested, paymentEvents.approved(`bench-tid-${now}`, new Date(now - rows * 1000 + 1000)));
  await clone(template.id, rows - existing - 1);
}
// The copies' per-hour list counts, folded now rather than by the job over the first seconds of load.
const copiedAt = Date.now();
while ((await system.services.payments.foldListCounts(100_000)) > 0);
process.stderr.write(`gateway ${pgSchema ? 'postgres' : 'sqlite'} ${rows} rows: seeded in ${((copiedAt - seedStarted) / 1000).toFixed(1)} s, counts folded in ${((Date.now() - copiedAt) / 1000).toFixed(1)} s\n`);
const sample = await middlePayment(storeRecord.id);
const spread = await spreadPayments(storeRecord.id, SPREAD);
process.stdout.write(
  `${JSON.stringify({ url: system.gatewayUrl, shopUrl: system.shopUrl, simulatorUrl: system.simulatorUrl, impCode: system.demo.impCode, channelKey: system.demo.channelKey, apiKey: system.demo.apiKey, apiSecret: system.demo.apiSecret, impUid: sample, spreadImpUids: spread, rows: await countPayments(storeRecord.id) })}\n`,
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void system.close().then(() => process.exit(0));
  });
}

async function withDb<T>(work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const opened = await openDatabase({ databaseUrl: config.databaseUrl ?? undefined, sqlitePath: `${config.dataDir}/gyeol.sqlite`, pgSchema });
  try {
    return await work(opened);
  } finally {
    await opened.db.destroy();
  }
}

async function countPayments(storeId: number): Promise<number> {
  return withDb(async ({ db }) => Number((await db.selectFrom('payments').select((e) => e.fn.countAll().as('n')).where('store_id', '=', storeId).executeTakeFirstOrThrow()).n));
}

/** Up to `n` imp_uids spread evenly over the store's payments. */
async function spreadPayments(storeId: number, n: number): Promise<string[]> {
  return withDb(async ({ db }) => {
    const total = Number((await db.selectFrom('payments').select((e) => e.fn.countAll().as('n')).where('store_id', '=', storeId).executeTakeFirstOrThrow()).n);
    const step = Math.max(1, Math.floor(total / n));
    const rows = await db.selectFrom('payments').select('imp_uid').where('store_id', '=', storeId).where(sql<boolean>`id % ${step} = 0`).limit(n).execute();
    return rows.map((r) => r.imp_uid);
  });
}

async function middlePayment(storeId: number): Promise<string> {
  return withDb(async ({ db }) => {
    const n = await db.selectFrom('payments').select((e) => e.fn.countAll().as('n')).where('store_id', '=', storeId).executeTakeFirstOrThrow();
    const row = await db.selectFrom('payments').select('imp_uid').where('store_id', '=', storeId).orderBy('id').offset(Math.floor(Number(n.n) / 2)).limit(1).executeTakeFirstOrThrow();
    return row.imp_uid;
  });
}

async function clone(templateId: number, count: number): Promise<void> {
  await withDb(({ db, dialect }) =>
    clonePayments(db, dialect, templateId, count, {
      impMark: 'b',
      merchantUidPrefix: 'bench',
      tidPrefix: 'benchtid',
      shifted: new Set(['started_at', 'paid_at', 'updated_at', 'approval_requested_at']),
    }),
  );
}
