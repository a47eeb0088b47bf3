/**
 * Payments for the benchmarks by the hundred thousand: one payment recorded through the store,
 * copied in SQL (`insert … select` over a series) with fresh imp_uid, merchant_uid and Tid — every
 * other column as the store wrote it (or moved in time).
 *
 * The one trigger an insert into payments fires — migration 0018's per-hour counts, three delta
 * rows per payment (on PostgreSQL a plpgsql row trigger) — is most of a copy's cost, so each
 * batch's transaction turns it off (PostgreSQL: `session_replication_role = replica`, which needs
 * a superuser — otherwise the triggers fire; SQLite: its triggers dropped and created again, as the
 * migration creates them, in the same transaction), then counts the batch's copies in bulk with the
 * migration's own SQL into the deltas (`countPaymentsOnce`): a few rows per hour instead of three
 * per payment, which the fold adds up to the very counts the triggers' rows would
 * (test/bench-seed.test.ts checks it on both databases). No other trigger fires on an insert into
 * payments (0017's fire on updates, or on other tables).
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../src/store/dialect';
import { countPaymentsOnce, createPaymentTimeCountTriggers, dropPaymentTimeCountTriggers } from '../src/store/migrations/0018_payment_time_counts';
import type { Database } from '../src/store/schema';

export interface CloneOptions {
  /** The copies' imp_uids: `imp_` + this one character + 11 digits (gyeol's own are 12 random digits). */
  impMark: string;
  /** merchant_uid and Tid of copy i: these prefixes followed by i. */
  merchantUidPrefix: string;
  tidPrefix: string;
  /** Time columns moved one second per copy (so sorted lists and windows see distinct payments). */
  shifted?: ReadonlySet<string>;
  batch?: number;
  /** Let the per-hour count triggers fire for every copy, as for any insert (slower; the same counts once folded). */
  withTriggers?: boolean;
}

/** Copies payment `templateId` `count` times, in batches of one transaction each. */
export async function clonePayments(db: Kysely<Database>, dialect: StoreDialect, templateId: number, count: number, options: CloneOptions): Promise<void> {
  if (count <= 0) return;
  const columns = Object.keys((await db.selectFrom('payments').selectAll().where('id', '=', templateId).executeTakeFirstOrThrow()) as object).filter(
    (c) => !['id', 'imp_uid', 'merchant_uid', 'merchant_uid_claim', 'pg_tid'].includes(c),
  );
  const shifted = options.shifted ?? new Set<string>();
  const list = sql.join(columns.map((c) => sql.ref(c)));
  const copied = sql.join(columns.map((c) => (shifted.has(c) ? sql`t.${sql.ref(c)} + s.i * 1000` : sql.ref(`t.${c}`))));
  const merchantUid = sql`${options.merchantUidPrefix} || s.i`;
  const batch = options.batch ?? 100_000;
  // The triggers off for the copy: SQLite always; PostgreSQL when connected as a superuser (session_replication_role).
  const quick =
    !options.withTriggers &&
    (dialect === 'sqlite' || (await sql<{ su: string }>`select current_setting('is_superuser') as su`.execute(db)).rows[0]?.su === 'on');
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const series =
      dialect === 'postgres'
        ? sql`select g as i from generate_series(${start + 1}::int, ${start + n}::int) g`
        : sql`with recursive s(i) as (select cast(${start + 1} as integer) union all select i + 1 from s where i < cast(${start + n} as integer)) select i from s`;
    const impUid = dialect === 'postgres' ? sql`${`imp_${options.impMark}`} || lpad(s.i::text, 11, '0')` : sql`${`imp_${options.impMark}`} || substr('00000000000' || s.i, -11, 11)`;
    await db.transaction().execute(async (trx) => {
      if (quick) {
        if (dialect === 'postgres') await sql`set local session_replication_role = replica`.execute(trx);
        else await dropPaymentTimeCountTriggers(trx, dialect);
      }
      const before = quick ? Number((await sql<{ id: number | string }>`select coalesce(max(id), 0) as id from payments`.execute(trx)).rows[0]!.id) : 0;
      // A copy holds its merchant_uid's claim when the template holds its own.
      await sql`insert into payments (imp_uid, merchant_uid, merchant_uid_claim, pg_tid, ${list})
        select ${impUid}, ${merchantUid}, case when t.merchant_uid_claim is null then null else ${merchantUid} end, ${options.tidPrefix} || s.i, ${copied}
        from payments t, (${series}) s where t.id = ${templateId}`.execute(trx);
      if (quick) {
        if (dialect === 'postgres') await sql`set local session_replication_role = origin`.execute(trx);
        else await createPaymentTimeCountTriggers(trx, dialect);
        // This batch's copies: past the ids there were, with this batch's imp_uids (unique; another payment inserted meanwhile would need one of theirs).
        const uid = (i: number) => `imp_${options.impMark}${String(i).padStart(11, '0')}`;
        await countPaymentsOnce(trx, 'payment_time_count_deltas', sql`p.id > ${before} and p.imp_uid between ${uid(start + 1)} and ${uid(start + n)}`);
      }
    });
  }
}
