import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * Cash receipts (현금영수증, `/receipts/...`): one row per issue attempt. The row is written
 * (state `issuing`) before the PG is called and settled after, so an unknown outcome stays visible
 * and a retry of the same request resolves it.
 */
export function receiptsMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const id = (col: ColumnDefinitionBuilder) => (dialect === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement());
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('receipts')
        .addColumn('id', big, id)
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('channel_id', big, (c) => c.notNull().references('channels.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payment_id', big, (c) => c.references('payments.id'))
        .addColumn('imp_uid', 'text')
        .addColumn('merchant_uid', 'text', (c) => c.notNull())
        .addColumn('pg_order_id', 'text', (c) => c.notNull())
        .addColumn('active_key', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('identifier_type', 'text', (c) => c.notNull())
        .addColumn('identifier_sealed', 'text', (c) => c.notNull())
        .addColumn('identifier_masked', 'text', (c) => c.notNull())
        .addColumn('pay_method', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('amount', big, (c) => c.notNull())
        .addColumn('vat', big, (c) => c.notNull())
        .addColumn('tax_free', big, (c) => c.notNull())
        .addColumn('buyer_name', 'text', (c) => c.notNull())
        .addColumn('buyer_email', 'text')
        .addColumn('buyer_tel', 'text', (c) => c.notNull())
        .addColumn('receipt_tid', 'text')
        .addColumn('apply_num', 'text')
        .addColumn('receipt_url', 'text')
        .addColumn('applied_at', big)
        .addColumn('cancelled_at', big)
        .addColumn('fail_code', 'text')
        .addColumn('fail_reason', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addCheckConstraint('receipts_kind_check', sql`kind in ('payment', 'external')`)
        .addCheckConstraint('receipts_state_check', sql`state in ('issuing', 'issued', 'declined', 'cancelling', 'cancelled')`)
        .addUniqueConstraint('receipts_active_key_unique', ['store_id', 'active_key'])
        .execute();
      await db.schema.createIndex('receipts_store_imp_uid_idx').on('receipts').columns(['store_id', 'imp_uid', 'id']).execute();
      await db.schema.createIndex('receipts_store_merchant_uid_idx').on('receipts').columns(['store_id', 'kind', 'merchant_uid', 'id']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('receipts').execute();
    },
  };
}
