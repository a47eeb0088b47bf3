import { sql, type CreateTableBuilder, type Kysely, type Migration, type RawBuilder } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * How many payments each store has per status, test flag and hour — so `GET /payments/status/…`
 * counts its `total` and finds a deep page without walking every matching row (issue 10,
 * benchmark 5; store/payment-lists.ts says how they are used).
 *
 * Two families of hours per status: `b`, the hour of the status's own time (V1's window basis:
 * paid_at for paid, failed_at, cancelled_at, started_at for ready), and `s`, the hour of
 * started_at (the default order); the status `all` has `s` only (its basis is started_at).
 *
 * Triggers on payments append a row to `payment_time_count_deltas` for every change that moves a
 * payment between hours, statuses or the test flag (-1 for where it was, +1 for where it is): an
 * insert, no shared row updated, so concurrent transactions never wait on each other's counters
 * (many instances on PostgreSQL). The fold job (jobs/time-counts.ts) moves deltas into
 * `payment_time_counts` in the background; readers add both, so a count is exact at once.
 */
export function paymentTimeCountsMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>): Promise<void> {
      // The counts and their deltas have the same columns; the deltas also an id (their order).
      const countColumns = <T extends CreateTableBuilder<string, never>>(table: T) =>
        table
          .addColumn('store_id', big, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('family', 'text', (c) => c.notNull())
          .addColumn('hour', big, (c) => c.notNull())
          .addColumn('sandbox', 'integer', (c) => c.notNull())
          .addColumn('n', big, (c) => c.notNull());
      await countColumns(db.schema.createTable('payment_time_counts'))
        .addPrimaryKeyConstraint('payment_time_counts_pkey', ['store_id', 'status', 'family', 'hour', 'sandbox'])
        .execute();
      await countColumns(
        db.schema
          .createTable('payment_time_count_deltas')
          .addColumn('id', big, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement())),
      ).execute();
      await db.schema.createIndex('payment_time_count_deltas_key_idx').on('payment_time_count_deltas').columns(['store_id', 'status', 'family', 'hour']).execute();

      await createPaymentTimeCountTriggers(db, dialect);
      // The payments already there, counted once.
      await countPaymentsOnce(db, 'payment_time_counts');
    },
    async down(db: Kysely<any>): Promise<void> {
      await dropPaymentTimeCountTriggers(db, dialect);
      if (dialect === 'postgres') await sql`drop function if exists gyeol_payment_time_counts()`.execute(db);
      await db.schema.dropTable('payment_time_count_deltas').execute();
      await db.schema.dropTable('payment_time_counts').execute();
    },
  };
}

/** One hour in milliseconds: the width of a count's bucket. */
export const HOUR_MS = 3_600_000;

/** A payment row's basis time (V1's window basis for its status): paid_at for paid, failed_at, cancelled_at, started_at for ready. */
const basis = (row: string) =>
  `case ${row}.status when 'paid' then ${row}.paid_at when 'failed' then ${row}.failed_at when 'cancelled' then ${row}.cancelled_at else ${row}.started_at end`;
/** The three (status, family, hour) keys of a payment row, each with `n`. */
const deltas = (row: 'new' | 'old', n: number) => `
    insert into payment_time_count_deltas (store_id, status, family, hour, sandbox, n)
    select ${row}.store_id, k.status, k.family, k.hour, ${row}.sandbox, ${n} from (
      select ${row}.status as status, 'b' as family, (${basis(row)}) / ${HOUR_MS} as hour
      union all select ${row}.status, 's', ${row}.started_at / ${HOUR_MS}
      union all select 'all', 's', ${row}.started_at / ${HOUR_MS}
    ) as k where k.hour is not null`;
const moved = `old.status is distinct from new.status or old.sandbox is distinct from new.sandbox or old.store_id is distinct from new.store_id
    or old.started_at is distinct from new.started_at or old.paid_at is distinct from new.paid_at
    or old.failed_at is distinct from new.failed_at or old.cancelled_at is distinct from new.cancelled_at`;

/** The triggers on payments that append their deltas (and, on PostgreSQL, their function): this migration's, also used by the bench seed to put them back. */
export async function createPaymentTimeCountTriggers(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql
      .raw(
        // (The function's text as the migration first wrote it, indentation included.)
        `create or replace function gyeol_payment_time_counts() returns trigger language plpgsql as $$
            begin
              if tg_op = 'UPDATE' then
                if not (${moved}) then return null; end if;
              end if;
              if tg_op in ('UPDATE', 'DELETE') then ${deltas('old', -1)}; end if;
              if tg_op in ('UPDATE', 'INSERT') then ${deltas('new', 1)}; end if;
              return null;
            end $$`,
      )
      .execute(db);
    await sql`create trigger payments_time_counts after insert or update or delete on payments for each row execute function gyeol_payment_time_counts()`.execute(db);
  } else {
    await sql.raw(`create trigger payments_time_counts_insert after insert on payments begin ${deltas('new', 1)}; end`).execute(db);
    await sql.raw(`create trigger payments_time_counts_delete after delete on payments begin ${deltas('old', -1)}; end`).execute(db);
    await sql
      .raw(`create trigger payments_time_counts_update after update on payments when ${moved.replace(/is distinct from/g, 'is not')} begin ${deltas('old', -1)}; ${deltas('new', 1)}; end`)
      .execute(db);
  }
}

/** Drops the triggers {@link createPaymentTimeCountTriggers} creates (PostgreSQL: the trigger, not its function). */
export async function dropPaymentTimeCountTriggers(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  if (dialect === 'postgres') await sql`drop trigger if exists payments_time_counts on payments`.execute(db);
  else for (const op of ['insert', 'update', 'delete']) await sql.raw(`drop trigger if exists payments_time_counts_${op}`).execute(db);
}

/**
 * Counts payments once, in bulk, into `table`: per store, status, family, hour and test flag,
 * what the triggers' deltas of inserting them would add up to. The migration counts the payments
 * already there into `payment_time_counts`; the bench seed (bench/seed.ts) counts the copies it
 * inserted with the triggers off (`where`, over `payments p`) into `payment_time_count_deltas`,
 * which the fold adds to the counts as it adds the triggers' own.
 */
export async function countPaymentsOnce(db: Kysely<any>, table: 'payment_time_counts' | 'payment_time_count_deltas', where: RawBuilder<unknown> = sql`true`): Promise<void> {
  for (const [status, family, hour] of [
    ['status', `'b'`, basis('p')],
    ['status', `'s'`, 'p.started_at'],
    [`'all'`, `'s'`, 'p.started_at'],
  ] as const) {
    await sql`insert into ${sql.table(table)} (store_id, status, family, hour, sandbox, n)
      select p.store_id, ${sql.raw(status === 'status' ? 'p.status' : status)}, ${sql.raw(family)}, (${sql.raw(hour)}) / ${sql.raw(String(HOUR_MS))}, p.sandbox, count(*)
      from payments p where (${sql.raw(hour)}) is not null and (${where})
      group by p.store_id, ${sql.raw(status === 'status' ? 'p.status, ' : '')}(${sql.raw(hour)}) / ${sql.raw(String(HOUR_MS))}, p.sandbox`.execute(db);
  }
}
