/**
 * Payments for the benchmarks by the hundred thousand: one payment recorded through the store,
 * copied in SQL (`insert … select` over a series) with fresh imp_uid, merchant_uid and Tid — every
 * other column as the store wrote it (or moved in time), the database's triggers firing as for any
 * insert.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../src/store/dialect';
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
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const series =
      dialect === 'postgres'
        ? sql`select g as i from generate_series(${start + 1}::int, ${start + n}::int) g`
        : sql`with recursive s(i) as (select cast(${start + 1} as integer) union all select i + 1 from s where i < cast(${start + n} as integer)) select i from s`;
    const impUid = dialect === 'postgres' ? sql`${`imp_${options.impMark}`} || lpad(s.i::text, 11, '0')` : sql`${`imp_${options.impMark}`} || substr('00000000000' || s.i, -11, 11)`;
    // A copy holds its merchant_uid's claim when the template holds its own.
    await sql`insert into payments (imp_uid, merchant_uid, merchant_uid_claim, pg_tid, ${list})
      select ${impUid}, ${merchantUid}, case when t.merchant_uid_claim is null then null else ${merchantUid} end, ${options.tidPrefix} || s.i, ${copied}
      from payments t, (${series}) s where t.id = ${templateId}`.execute(db);
  }
}
