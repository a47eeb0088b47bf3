import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * `payments.row_version`: a number that grows whenever anything a V1 payment answer is made of
 * changes — the payment row itself, its cancellations (`cancel_history`) or its cash receipts
 * (`cash_receipt_issued`). The database keeps it with triggers, so no write path can forget it.
 * `GET /payments/{imp_uid}` reads it (one small query) to know whether the answer it serialized
 * before is still the answer (issue 10).
 */
export function paymentsRowVersionMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('payments')
        .addColumn('row_version', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      if (dialect === 'postgres') {
        await sql`create or replace function gyeol_payment_row_version() returns trigger language plpgsql as $$
          begin
            if new.row_version = old.row_version then new.row_version := old.row_version + 1; end if;
            return new;
          end $$`.execute(db);
        await sql`create trigger payments_row_version before update on payments for each row execute function gyeol_payment_row_version()`.execute(db);
        await sql`create or replace function gyeol_payment_part_changed() returns trigger language plpgsql as $$
          begin
            if tg_op <> 'INSERT' and old.payment_id is not null then update payments set row_version = row_version + 1 where id = old.payment_id; end if;
            if tg_op <> 'DELETE' and new.payment_id is not null and (tg_op = 'INSERT' or new.payment_id is distinct from old.payment_id) then
              update payments set row_version = row_version + 1 where id = new.payment_id;
            end if;
            return null;
          end $$`.execute(db);
        for (const table of ['payment_cancellations', 'receipts']) {
          await sql`create trigger ${sql.id(`${table}_payment_row_version`)} after insert or update or delete on ${sql.table(table)} for each row execute function gyeol_payment_part_changed()`.execute(db);
        }
        return;
      }
      // SQLite: recursive triggers are off, so the trigger's own update does not fire it again.
      await sql`create trigger payments_row_version after update on payments for each row when new.row_version = old.row_version
        begin update payments set row_version = old.row_version + 1 where id = new.id; end`.execute(db);
      for (const table of ['payment_cancellations', 'receipts']) {
        await sql.raw(`create trigger ${table}_payment_row_version_insert after insert on ${table} for each row when new.payment_id is not null
          begin update payments set row_version = row_version + 1 where id = new.payment_id; end`).execute(db);
        await sql.raw(`create trigger ${table}_payment_row_version_update after update on ${table} for each row
          begin update payments set row_version = row_version + 1 where id in (old.payment_id, new.payment_id); end`).execute(db);
        await sql.raw(`create trigger ${table}_payment_row_version_delete after delete on ${table} for each row when old.payment_id is not null
          begin update payments set row_version = row_version + 1 where id = old.payment_id; end`).execute(db);
      }
    },
    async down(db: Kysely<any>): Promise<void> {
      if (dialect === 'postgres') {
        for (const table of ['payment_cancellations', 'receipts']) await sql`drop trigger if exists ${sql.id(`${table}_payment_row_version`)} on ${sql.table(table)}`.execute(db);
        await sql`drop trigger if exists payments_row_version on payments`.execute(db);
        await sql`drop function if exists gyeol_payment_part_changed()`.execute(db);
        await sql`drop function if exists gyeol_payment_row_version()`.execute(db);
      } else {
        for (const table of ['payment_cancellations', 'receipts']) {
          for (const op of ['insert', 'update', 'delete']) await sql.raw(`drop trigger if exists ${table}_payment_row_version_${op}`).execute(db);
        }
        await sql`drop trigger if exists payments_row_version`.execute(db);
      }
      await db.schema.alterTable('payments').dropColumn('row_version').execute();
    },
  };
}
