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

const existing = await countPayments(storeRecord.id);
if (existing < rows) {
  // A paid card payment (so the status lists have something to page through), its copies spread one second apart.
  const now = Date.now();
  const fresh = await system.store.payments.insert(newPaymentInput(storeRecord.id, channel.id, { merchantUid: `bench${now}`, startedAt: new Date(now - rows * 1000) }));
  const requested = await applied(system.store, fresh, paymentEvents.requested(`bench-tid-${now}`, new Date(now - rows * 1000)));
  const template = await applied(system.store, requested, paymentEvents.approved(`bench-tid-${now}`, new Date(now - rows * 1000 + 1000)));
  await clonePayments(template.id, rows - existing - 1);
}
// The copies' per-hour list counts, folded now rather than by the job over the first seconds of load.
while ((await system.services.payments.foldListCounts(100_000)) > 0);
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

/** Copies payment `templateId` `count` times with fresh imp_uid / merchant_uid, in batches of one transaction each. */
async function clonePayments(templateId: number, count: number): Promise<void> {
  if (count <= 0) return;
  await withDb(async ({ db, dialect }) => {
    const columns = Object.keys((await db.selectFrom('payments').selectAll().where('id', '=', templateId).executeTakeFirstOrThrow()) as object).filter(
      (c) => !['id', 'imp_uid', 'merchant_uid', 'merchant_uid_claim', 'pg_tid'].includes(c),
    );
    // Times move one second per copy, so sorted lists and time windows see distinct payments.
    const shifted = new Set(['started_at', 'paid_at', 'updated_at', 'approval_requested_at']);
    const list = sql.join(columns.map((c) => sql.ref(c)));
    const copied = sql.join(columns.map((c) => (shifted.has(c) ? sql`t.${sql.ref(c)} + s.i * 1000` : sql.ref(`t.${c}`))));
    const batch = 100_000;
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const series =
        dialect === 'postgres'
          ? sql`select g as i from generate_series(${start + 1}::int, ${start + n}::int) g`
          : sql`with recursive s(i) as (select cast(${start + 1} as integer) union all select i + 1 from s where i < cast(${start + n} as integer)) select i from s`;
      const impUid = dialect === 'postgres' ? sql`'imp_b' || lpad(s.i::text, 11, '0')` : sql`'imp_b' || substr('00000000000' || s.i, -11, 11)`;
      await sql`insert into payments (imp_uid, merchant_uid, merchant_uid_claim, pg_tid, ${list}) select ${impUid}, 'bench' || s.i, 'bench' || s.i, 'benchtid' || s.i, ${copied} from payments t, (${series}) s where t.id = ${templateId}`.execute(db);
    }
  });
}
