import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompiledQuery, sql, type Kysely, type KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Payment } from '../domain/payment';
import { dropTestSchema, forEachDatabase, newTestSchema, postgresTestUrl, testDatabases } from '../../test/support/databases';
import { openDatabase } from './db';
import { migrateToLatest } from './migrations';
import { KyselyPaymentRepository } from './payments';
import { createRepositories } from './repositories';
import type { Database } from './schema';
import { T0, applied, at, newPaymentInput, paymentEvents as ev, seedStore } from './test-fixtures';
import type { Store } from './types';

const MINUTE = 60_000;

/** Payments of one store: three attempts of `order1` (failed, failed, paid) and a ready `order2`. */
async function seed(store: Store) {
  const { store: merchant, channel } = await seedStore(store);
  const other = await seedStore(store);
  const insert = (merchantUid: string, startedAt: Date, storeId = merchant.id, channelId = channel.id) =>
    store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid, startedAt }));
  const fail = async (p: Payment, when: Date) => applied(store, await applied(store, p, ev.requested(`tid-${p.id}`, when)), ev.declined(`tid-${p.id}`, when));
  const pay = async (p: Payment, when: Date) => applied(store, await applied(store, p, ev.requested(`tid-${p.id}`, when)), ev.approved(`tid-${p.id}`, when));
  const failed1 = await fail(await insert('order1', at(0)), at(MINUTE));
  const failed2 = await fail(await insert('order1', at(2 * MINUTE)), at(3 * MINUTE));
  const paid = await pay(await insert('order1', at(4 * MINUTE)), at(50 * MINUTE));
  const ready = await insert('order2', at(5 * MINUTE));
  const elsewhere = await insert('order1', at(1 * MINUTE), other.store.id, other.channel.id);
  return { storeId: merchant.id, failed1, failed2, paid, ready, elsewhere };
}

forEachDatabase((_db, getStore) => {
  it('lists the payments of a merchant_uid by sorting and status, paged, whole objects, one store only', async () => {
    const store = getStore();
    const s = await seed(store);
    const page = { sorting: '-started' as const, offset: 0, limit: 2 };
    expect(await store.payments.listByMerchantUid(s.storeId, 'order1', { includeSandbox: true }, page)).toEqual({ total: 3, payments: [s.paid, s.failed2] });
    expect(await store.payments.listByMerchantUid(s.storeId, 'order1', { includeSandbox: true }, { ...page, offset: 2 })).toEqual({
      total: 3,
      payments: [s.failed1],
    });
    expect(await store.payments.listByMerchantUid(s.storeId, 'order1', { status: 'failed', includeSandbox: true }, { ...page, sorting: 'started' })).toEqual({
      total: 2,
      payments: [s.failed1, s.failed2],
    });
    // Sorting by paid: the paid one first, unpaid ones after it in both directions.
    expect((await store.payments.listByMerchantUid(s.storeId, 'order1', { includeSandbox: true }, { ...page, sorting: 'paid', limit: 3 })).payments).toEqual([
      s.paid,
      s.failed1,
      s.failed2,
    ]);
    expect(await store.payments.listByMerchantUid(s.storeId, 'order1', { includeSandbox: false }, page)).toEqual({ total: 0, payments: [] });
  });

  it("lists a store's payments of a status within a window of the status's own time", async () => {
    const store = getStore();
    const s = await seed(store);
    const page = { sorting: '-started' as const, offset: 0, limit: 20 };
    const window = (from: number, to: number) => ({ from: at(from), to: at(to), includeSandbox: true });
    // By paid_at: the paid one (started at 4 min, paid at 49 min) is in [45, 55), not in [0, 10).
    expect(await store.payments.listByStatus(s.storeId, { status: 'paid', basis: 'paid_at', ...window(45 * MINUTE, 55 * MINUTE) }, page)).toEqual({
      total: 1,
      payments: [s.paid],
    });
    expect((await store.payments.listByStatus(s.storeId, { status: 'paid', basis: 'paid_at', ...window(0, 10 * MINUTE) }, page)).total).toBe(0);
    expect(await store.payments.listByStatus(s.storeId, { status: 'failed', basis: 'failed_at', ...window(MINUTE, 3 * MINUTE) }, page)).toEqual({
      total: 1,
      payments: [s.failed1],
    });
    expect(await store.payments.listByStatus(s.storeId, { status: 'all', basis: 'started_at', ...window(0, 10 * MINUTE) }, { ...page, limit: 3 })).toEqual({
      total: 4,
      payments: [s.ready, s.paid, s.failed2],
    });
    expect((await store.payments.listByStatus(s.storeId, { status: 'all', basis: 'started_at', ...window(0, 10 * MINUTE), includeSandbox: false }, page)).total).toBe(0);
  });

  it('a status list answers every change at once though it keeps payments read before (by row_version)', async () => {
    const store = getStore();
    const s = await seed(store);
    const all = { status: 'all' as const, basis: 'started_at' as const, from: at(0), to: at(60 * MINUTE), includeSandbox: true };
    const page = { sorting: '-started' as const, offset: 0, limit: 20 };
    const first = await store.payments.listByStatus(s.storeId, all, page);
    expect(first).toEqual({ total: 4, payments: [s.ready, s.paid, s.failed2, s.failed1] });
    // Kept payments are shared by every reader: they cannot be changed by one.
    expect(Object.isFrozen(first.payments[0])).toBe(true);
    // The ready one is paid: the next list shows it paid, the others as they were.
    const paidNow = await applied(store, await applied(store, s.ready, ev.requested('tid-late', at(6 * MINUTE))), ev.approved('tid-late', at(7 * MINUTE)));
    expect(paidNow.status).toBe('paid');
    expect(await store.payments.listByStatus(s.storeId, all, page)).toEqual({ total: 4, payments: [paidNow, s.paid, s.failed2, s.failed1] });
    // A change made inside a transaction that is rolled back is never answered.
    await expect(
      store.transaction(async (repos) => {
        await repos.payments.apply(s.storeId, s.failed1.id, { ok: true, changes: { updatedAt: at(9 * MINUTE), failReason: 'rolled back' }, expect: { status: 'failed', approvalState: s.failed1.approvalState, approvalUnverified: false }, events: [] });
        expect((await repos.payments.listByStatus(s.storeId, all, page)).payments[3]!.failReason).toBe('rolled back');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await store.payments.listByStatus(s.storeId, all, page)).toEqual({ total: 4, payments: [paidNow, s.paid, s.failed2, s.failed1] });
  });

  it("lists a billing key's payments (customer_uid), newest first, paged, one store only", async () => {
    const store = getStore();
    const { store: merchant, channel } = await seedStore(store);
    const other = await seedStore(store);
    const insert = (customerUid: string | null, startedAt: Date, storeId = merchant.id, channelId = channel.id) =>
      store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid: `m${startedAt.getTime()}`, customerUid, customerUidUsage: customerUid ? 'payment' : null, startedAt }));
    const first = await insert('cust_a', at(0));
    const second = await insert('cust_a', at(MINUTE));
    const third = await insert('cust_a', at(2 * MINUTE));
    await insert('cust_b', at(3 * MINUTE));
    await insert(null, at(4 * MINUTE));
    await insert('cust_a', at(5 * MINUTE), other.store.id, other.channel.id);
    const page = { sorting: '-started' as const, offset: 0, limit: 2 };
    expect(await store.payments.listByCustomerUid(merchant.id, 'cust_a', { includeSandbox: true }, page)).toEqual({ total: 3, payments: [third, second] });
    expect(await store.payments.listByCustomerUid(merchant.id, 'cust_a', { includeSandbox: true }, { ...page, offset: 2 })).toEqual({ total: 3, payments: [first] });
    expect(await store.payments.listByCustomerUid(merchant.id, 'cust_a', { includeSandbox: false }, page)).toEqual({ total: 0, payments: [] });
    expect(await store.payments.listByCustomerUid(merchant.id, 'cust_none', { includeSandbox: true }, page)).toEqual({ total: 0, payments: [] });
  });

  it('finds payments by imp_uid, only of the store', async () => {
    const store = getStore();
    const s = await seed(store);
    const found = await store.payments.findByImpUids(s.storeId, [s.paid.impUid, s.elsewhere.impUid, 'imp_000000000000', s.ready.impUid]);
    expect(found.sort((a, b) => a.id - b.id)).toEqual([s.paid, s.ready].sort((a, b) => a.id - b.id));
    expect(await store.payments.findByImpUids(s.storeId, [])).toEqual([]);
  });

  it('registers a prepared amount once per store and merchant_uid, updates and finds it', async () => {
    const store = getStore();
    const a = await seedStore(store);
    const b = await seedStore(store);
    const prepared = { storeId: a.store.id, merchantUid: 'prep1', amount: 1000, currency: null, createdAt: T0, updatedAt: T0 };
    expect(await store.paymentPrepares.insert(prepared)).toEqual(prepared);
    expect(await store.paymentPrepares.insert({ ...prepared, amount: 2000 })).toBeNull();
    expect(await store.paymentPrepares.insert({ ...prepared, storeId: b.store.id })).toEqual({ ...prepared, storeId: b.store.id });
    const updated = await store.paymentPrepares.update(a.store.id, 'prep1', { amount: 1500, currency: 'KRW' }, at(MINUTE));
    expect(updated).toEqual({ ...prepared, amount: 1500, currency: 'KRW', updatedAt: at(MINUTE) });
    expect(await store.paymentPrepares.find(a.store.id, 'prep1')).toEqual(updated);
    expect(await store.paymentPrepares.find(b.store.id, 'prep1')).toEqual({ ...prepared, storeId: b.store.id });
    expect(await store.paymentPrepares.update(a.store.id, 'nothing', { amount: 1, currency: null }, T0)).toBeNull();
    expect(await store.paymentPrepares.find(a.store.id, 'nothing')).toBeNull();
  });
});

/** The list queries as the repositories send them (store 1, any window). */
const LIST_QUERIES = [
  "select * from payments where store_id = 1 and merchant_uid = 'order1' and status = 'paid' order by started_at desc, id desc limit 20",
  "select count(*) from payments where store_id = 1 and merchant_uid = 'order1'",
  'select * from payments where store_id = 1 and started_at >= 0 and started_at < 99 order by started_at desc, id desc limit 20',
  "select * from payments where store_id = 1 and status = 'ready' and started_at >= 0 and started_at < 99 order by started_at desc, id desc limit 20",
  "select * from payments where store_id = 1 and status = 'paid' and paid_at >= 0 and paid_at < 99 order by started_at desc limit 20",
  "select count(*) from payments where store_id = 1 and status = 'failed' and failed_at >= 0 and failed_at < 99",
  "select count(*) from payments where store_id = 1 and status = 'cancelled' and cancelled_at >= 0 and cancelled_at < 99",
];

/** A fresh place for a plan test's database: a temporary folder (SQLite) and a schema name (PostgreSQL). */
function planPlace(): { dir: string; pgSchema: string } {
  return { dir: mkdtempSync(path.join(os.tmpdir(), 'gyeol-plan-')), pgSchema: newTestSchema() };
}

async function dropPlanPlace(name: 'sqlite' | 'postgres', dir: string, pgSchema: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  if (name === 'postgres') await dropTestSchema(postgresTestUrl()!, pgSchema);
}

describe('payment list indexes', () => {
  for (const { name } of testDatabases()) {
    it(`${name}: every list query can be answered from an index of migration 0006`, async () => {
      const { dir, pgSchema } = planPlace();
      const { db } = name === 'sqlite' ? await openDatabase({ sqlitePath: path.join(dir, 'plan.sqlite') }) : await openDatabase({ databaseUrl: postgresTestUrl()!, pgSchema });
      try {
        await migrateToLatest(db as Kysely<any>, name);
        for (const query of LIST_QUERIES) {
          let plan: string;
          if (name === 'sqlite') {
            plan = (await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(db)).rows.map((r) => r.detail).join(' | ');
            expect(plan, query).toMatch(/^SEARCH payments USING (COVERING )?INDEX payments_store_\w+ \(store_id=\? AND /);
          } else {
            // An empty table is always cheapest to scan; forbid the scan to see which index serves the query.
            plan = await db.connection().execute(async (conn) => {
              await sql`set enable_seqscan = off`.execute(conn);
              const rows = (await sql.raw<{ 'QUERY PLAN': string }>(`explain ${query}`).execute(conn)).rows;
              await sql`reset enable_seqscan`.execute(conn);
              return rows.map((r) => r['QUERY PLAN']).join(' | ');
            });
            expect(plan, query).toMatch(/Index (Only )?Scan (Backward )?using payments_store_\w+ on payments|Bitmap Index Scan on payments_store_/);
          }
          expect(plan, query).not.toMatch(/Seq Scan|SCAN payments(?! USING)/);
        }
      } finally {
        await db.destroy();
        await dropPlanPlace(name, dir, pgSchema);
      }
    });
  }
});

/**
 * Records the SQL (and values) of every query run through a Kysely instance, compiled by its own
 * dialect: those built and run (a plugin sees them) and those compiled once and run again as SQL
 * (`hotRead`, `runCompiled`: `executeQuery` with a compiled query, which no plugin sees).
 */
function recording(db: Kysely<Database>): { db: Kysely<Database>; statements: CompiledQuery[] } {
  const statements: CompiledQuery[] = [];
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      statements.push(db.getExecutor().compileQuery(args.node, args.queryId));
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const plugged = db.withPlugin(plugin);
  const recorded = new Proxy(plugged, {
    get(target, property, receiver) {
      if (property === 'executeQuery') {
        return (query: CompiledQuery | { compile(): CompiledQuery }, queryId?: never) => {
          if (!('compile' in query)) statements.push(query);
          return target.executeQuery(query as CompiledQuery, queryId);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: recorded, statements };
}

/** A value as an SQL literal (EXPLAIN EXECUTE takes its parameters as text). */
const literal = (value: unknown) => (typeof value === 'number' ? String(value) : `'${String(value).replace(/'/g, "''")}'`);

describe('payment list statements', () => {
  for (const { name } of testDatabases()) {
    // A list is a handful of statements (store/payment-time-counts.ts): the hour counts, exact counts
    // of the window's edge hours, the page's ids from the hours it spans, its rows by id. Each must
    // be served by an index whatever the values, and the page's ids by a range of the order's time
    // bounded on both sides, so no plan reads more than the hours the page spans: on PostgreSQL with
    // the generic plan it switches to after five runs of a prepared statement (store/db.ts prepares
    // them) and with custom plans. Open on one side, in started order with a window on paid_at,
    // PostgreSQL took the paid_at index (no statistics, or a generic plan) or scanned the table
    // (statistics, custom plan) and sorted every paid payment for one page (0.8–2.7 s at 1,000,000).
    it(`${name}: every statement of an hour-paged list reads an index, the page's ids a bounded range of its order (generic and custom plans)`, async () => {
      const { dir, pgSchema } = planPlace();
      const { db, dialect } = name === 'sqlite' ? await openDatabase({ sqlitePath: path.join(dir, 'plan.sqlite') }) : await openDatabase({ databaseUrl: postgresTestUrl()!, pgSchema });
      try {
        await migrateToLatest(db as Kysely<any>, name);
        const repos = createRepositories(db, false, dialect);
        const { store, channel } = await seedStore(repos);
        // Paid payments over a few hours, each paid a minute after it started.
        for (let i = 0; i < 12; i++) {
          const startedAt = at(i * 20 * MINUTE);
          const p = await repos.payments.insert(newPaymentInput(store.id, channel.id, { merchantUid: `o${i}`, startedAt }));
          await applied(repos, await applied(repos, p, ev.requested(`t${i}`, startedAt)), ev.approved(`t${i}`, new Date(startedAt.getTime() + MINUTE)));
        }
        const { db: recorded, statements } = recording(db);
        const payments = new KyselyPaymentRepository(recorded, false, dialect);
        const window = { from: at(-24 * 60 * MINUTE), to: at(24 * 60 * MINUTE), includeSandbox: true };
        for (const [status, basis] of [
          ['paid', 'paid_at'],
          ['all', 'started_at'],
        ] as const) {
          for (const sorting of ['-started', 'started', '-paid'] as const) {
            if (status === 'all' && sorting === '-paid') continue; // by offset: sorted, as documented
            for (const offset of [0, 7]) {
              const found = await payments.listByStatus(store.id, { status, basis, ...window }, { sorting, offset, limit: 3 });
              expect(found.total, `${status} ${sorting}`).toBe(12);
              expect(found.payments.length, `${status} ${sorting} ${offset}`).toBe(3);
            }
          }
        }
        const distinct = new Map(statements.map((s) => [s.sql, s]));
        expect([...distinct.keys()].filter((s) => / limit /.test(s)).length).toBeGreaterThanOrEqual(3);
        for (const { sql: text, parameters } of distinct.values()) {
          // The page's ids: ordered by a time, read from a range of it bounded on both sides.
          const ordered = / limit /.test(text) ? /order by "(\w+)"/.exec(text)?.[1] : undefined;
          if (name === 'sqlite') {
            const plan = (await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]))).rows.map((r) => r.detail).join(' | ');
            expect(plan, text).not.toMatch(/SCAN (payments|payment_time_count)(?! USING)/);
            if (ordered) {
              expect(plan, text).not.toMatch(/TEMP B-TREE/);
              expect(plan, text).toContain(`${ordered}>? AND ${ordered}<?)`);
            }
          } else {
            for (const mode of ['force_generic_plan', 'force_custom_plan']) {
              const plan = await db.connection().execute(async (conn) => {
                // An all but empty table is always cheapest to scan, or to bitmap and sort; forbid those
                // to see which index range serves the query.
                await sql`set enable_seqscan = off`.execute(conn);
                await sql`set enable_bitmapscan = off`.execute(conn);
                await sql`set enable_sort = off`.execute(conn);
                await sql.raw(`set plan_cache_mode = ${mode}`).execute(conn);
                try {
                  await sql.raw(`prepare plan_check as ${text}`).execute(conn);
                  const rows = (await sql.raw<{ 'QUERY PLAN': string }>(`explain execute plan_check(${parameters.map(literal).join(', ')})`).execute(conn)).rows;
                  return rows.map((r) => r['QUERY PLAN']);
                } finally {
                  await sql`deallocate plan_check`.execute(conn);
                  await sql`reset plan_cache_mode`.execute(conn);
                  await sql`reset enable_sort`.execute(conn);
                  await sql`reset enable_bitmapscan`.execute(conn);
                  await sql`reset enable_seqscan`.execute(conn);
                }
              });
              const shown = `${mode}: ${text}\n${plan.join('\n')}`;
              expect(plan.join(' | '), shown).toMatch(/Index (Only )?Scan/);
              expect(plan.join(' | '), shown).not.toMatch(/Seq Scan/);
              if (ordered) {
                const bounded = plan.some((line) => /Index Cond:/.test(line) && line.includes(`(${ordered} >= `) && line.includes(`(${ordered} < `));
                expect(bounded, shown).toBe(true);
              }
            }
          }
        }
      } finally {
        await db.destroy();
        await dropPlanPlace(name, dir, pgSchema);
      }
    });
  }
});
