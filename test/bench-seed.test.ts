/**
 * The bench seed (bench/seed.ts `clonePayments`) copies payments with migration 0018's per-hour
 * count triggers off and counts the copies in bulk afterwards: once folded, the counts must be
 * exactly those the triggers would have made. Checked on each database by seeding the same
 * payments both ways, each into its own fresh database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { clonePayments } from '../bench/seed';
import { createStore, openDatabase } from '../src/store/db';
import { HOUR_MS } from '../src/store/migrations/0018_payment_time_counts';
import { applied, newPaymentInput, paymentEvents as ev, seedStore } from '../src/store/test-fixtures';
import type { StoreOptions } from '../src/store/types';
import { dropTestSchema, newTestSchema, postgresTestUrl } from './support/databases';

const PAID = 20_000;
const FAILED = 3_000;
const READY = 2_000;

/** payment_time_counts after seeding (every delta folded), one line per row, and the number of payments. */
async function seeded(database: 'sqlite' | 'postgres', withTriggers: boolean): Promise<{ counts: string[]; payments: number; triggers: string[] }> {
  let options: StoreOptions;
  let remove: () => Promise<void>;
  if (database === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-bench-seed-'));
    options = { sqlitePath: path.join(dir, 'gyeol.sqlite') };
    remove = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const databaseUrl = postgresTestUrl()!;
    const pgSchema = newTestSchema();
    options = { databaseUrl, pgSchema };
    remove = () => dropTestSchema(databaseUrl, pgSchema);
  }
  const store = await createStore(options);
  try {
    await store.migrate();
    const { db, dialect } = await openDatabase(options);
    try {
      const { store: merchant, channel } = await seedStore(store);
      // Starts at half past an hour, so a copy's started and paid hours differ for some copies.
      const base = Date.UTC(2026, 5, 1, 0, 30, 0);
      const at = (ms: number) => new Date(base + ms);
      // A paid payment, paid 20 minutes after it started.
      const paid = await applied(
        store,
        await applied(store, await store.payments.insert(newPaymentInput(merchant.id, channel.id, { merchantUid: 'paid', startedAt: at(0), sandbox: false })), ev.requested('t-paid', at(0))),
        ev.approved('t-paid', at(20 * 60_000)),
      );
      // A failed test payment.
      const failed = await applied(
        store,
        await applied(store, await store.payments.insert(newPaymentInput(merchant.id, channel.id, { merchantUid: 'failed', startedAt: at(0), sandbox: true })), ev.requested('t-failed', at(0))),
        ev.declined('t-failed', at(60_000)),
      );
      // A payment still ready.
      const ready = await store.payments.insert(newPaymentInput(merchant.id, channel.id, { merchantUid: 'ready', startedAt: at(0) }));
      const times = new Set(['started_at', 'paid_at', 'failed_at', 'updated_at', 'approval_requested_at']);
      await clonePayments(db, dialect, paid.id, PAID, { impMark: 'b', merchantUidPrefix: 'b', tidPrefix: 'bt', shifted: times, batch: 7_000, withTriggers });
      await clonePayments(db, dialect, failed.id, FAILED, { impMark: 'c', merchantUidPrefix: 'c', tidPrefix: 'ct', shifted: new Set(['started_at', 'failed_at']), withTriggers });
      await clonePayments(db, dialect, ready.id, READY, { impMark: 'd', merchantUidPrefix: 'd', tidPrefix: 'dt', shifted: new Set(['started_at']), withTriggers });
      while ((await store.payments.foldTimeCounts(100_000)) > 0);
      const left = await db.selectFrom('payment_time_count_deltas').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(left.n)).toBe(0);
      const rows = await db.selectFrom('payment_time_counts').selectAll().orderBy('store_id').orderBy('status').orderBy('family').orderBy('hour').orderBy('sandbox').execute();
      const payments = await db.selectFrom('payments').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow();
      // The triggers on payments afterwards: as the migration made them.
      const triggers =
        dialect === 'sqlite'
          ? (await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'payments' order by name`.execute(db)).rows.map((t) => `${t.name}: ${t.sql}`)
          : (
              await sql<{ tgname: string; tgenabled: string; def: string }>`select tgname, tgenabled, pg_get_triggerdef(oid) as def from pg_trigger where tgrelid = 'payments'::regclass and not tgisinternal order by tgname`.execute(db)
            ).rows.map((t) => `${t.tgname} ${t.tgenabled}: ${t.def.replace(` ON ${pgSchemaOf(options)}.`, ' ON ')}`);
      return { counts: rows.map((r) => `${r.store_id} ${r.status} ${r.family} ${r.hour} ${r.sandbox}: ${r.n}`), payments: Number(payments.n), triggers };
    } finally {
      await db.destroy();
    }
  } finally {
    await store.close();
    await remove();
  }
}

const pgSchemaOf = (options: StoreOptions) => options.pgSchema ?? '';

const databases: Array<'sqlite' | 'postgres'> = postgresTestUrl() ? ['sqlite', 'postgres'] : ['sqlite'];
for (const database of databases) {
  describe(database, () => {
    it('seeds with the count triggers off, and ends with the per-hour counts the triggers make', async () => {
      const quick = await seeded(database, false);
      const triggered = await seeded(database, true);
      expect(quick.payments).toBe(3 + PAID + FAILED + READY);
      expect(triggered.payments).toBe(quick.payments);
      // Copies over several hours, in every status and family.
      expect(quick.counts.length).toBeGreaterThan(3 * Math.ceil((PAID * 1000) / HOUR_MS));
      expect(quick.counts).toEqual(triggered.counts);
      expect(quick.triggers.filter((t) => t.includes('payments_time_counts'))).toHaveLength(database === 'sqlite' ? 3 : 1);
      expect(quick.triggers).toEqual(triggered.triggers);
    }, 120_000);
  });
}
