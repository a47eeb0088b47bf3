import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * The payment core (issue 5): what the reconciler needs (when approval was requested, when to ask
 * the PG next, how often it was asked, whether a decline rests on an unsigned answer), the payment
 * facts that were dropped before (tax), the columns of the other methods' results, the domain
 * events table written in the same transaction as each state change, and approvals that reached
 * gyeol for an order other than the one asked about.
 */
export function paymentCoreMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const idType = dialect === 'postgres' ? 'bigint' : 'integer';
  const id = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();

  return {
    async up(db: Kysely<any>): Promise<void> {
      const columns: [string, string, ((c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder)?][] = [
        ['approval_requested_at', big],
        ['approval_unverified', 'integer', (c) => c.notNull().defaultTo(0)],
        ['reconcile_after', big],
        ['reconcile_attempts', 'integer', (c) => c.notNull().defaultTo(0)],
        // What the PG needs besides the Tid to answer an inquiry, sealed.
        ['pg_auth_sealed', 'text'],
        ['tax_free', big],
        ['vat_amount', big],
        ['bank_code', 'text'],
        ['bank_name', 'text'],
        ['vbank_code', 'text'],
        ['vbank_name', 'text'],
        ['vbank_num', 'text'],
        ['vbank_holder', 'text'],
        ['vbank_date', big],
        ['vbank_issued_at', big],
        ['emb_pg_provider', 'text'],
      ];
      for (const [name, type, build] of columns) {
        await db.schema
          .alterTable('payments')
          .addColumn(name, type as 'text', build ?? ((c) => c))
          .execute();
      }
      // The reconciler's work list: only payments with something open are in this index.
      await sql`create index payments_reconcile_idx on payments (reconcile_after) where reconcile_after is not null`.execute(db);

      await db.schema
        .createTable('payment_events')
        .addColumn('id', idType, id)
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('payment_id', big, (c) => c.notNull().references('payments.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('imp_uid', 'text', (c) => c.notNull())
        .addColumn('merchant_uid', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('occurred_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('payment_events_store_payment_idx').on('payment_events').columns(['store_id', 'payment_id', 'id']).execute();

      await db.schema
        .createTable('stray_approvals')
        .addColumn('id', idType, id)
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('channel_id', big, (c) => c.notNull().references('channels.id'))
        .addColumn('pg_provider', 'text', (c) => c.notNull())
        .addColumn('pg_tid', 'text', (c) => c.notNull())
        .addColumn('pg_id', 'text', (c) => c.notNull())
        .addColumn('merchant_uid', 'text', (c) => c.notNull())
        .addColumn('amount', big, (c) => c.notNull())
        .addColumn('approved_at', big, (c) => c.notNull())
        // The payment whose window the Tid was posted into.
        .addColumn('seen_in_payment_id', big, (c) => c.notNull().references('payments.id'))
        // `needs_cancel`: no order took it; `reconciled`: it became the payment of its own order.
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('payment_id', big, (c) => c.references('payments.id'))
        .addColumn('created_at', big, (c) => c.notNull())
        .addUniqueConstraint('stray_approvals_pg_tid_key', ['pg_provider', 'pg_tid'])
        .addCheckConstraint('stray_approvals_state_check', sql`state in ('needs_cancel', 'reconciled')`)
        .execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('stray_approvals').execute();
      await db.schema.dropTable('payment_events').execute();
      await sql`drop index payments_reconcile_idx`.execute(db);
    },
  };
}
