import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * Scheduled payments (issue 9, V1 `/subscribe/payments/schedule`): one row per store and
 * merchant_uid (V1 refuses a second schedule of an order). The scheduler takes a due row with one
 * conditional update (`scheduled` → `running` with a lease), so instances never take one twice;
 * `run_after_payment_id` lets a run taken over after a crash find the payment it may have made.
 *
 * Indexes: the due lookup (status, schedule_at) and expired leases (status, lease_until) across
 * stores; the range list (store, schedule_at) and the customer list (store, customer, schedule_at).
 */
export function paymentSchedulesMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const id = (col: ColumnDefinitionBuilder) => (dialect === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement());
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('payment_schedules')
        .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', id)
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('merchant_uid', 'text', (c) => c.notNull())
        .addColumn('customer_uid', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text')
        .addColumn('schedule_at', big, (c) => c.notNull())
        .addColumn('amount', big, (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('tax_free', big)
        .addColumn('vat_amount', big)
        .addColumn('name', 'text')
        .addColumn('buyer_name', 'text')
        .addColumn('buyer_email', 'text')
        .addColumn('buyer_tel', 'text')
        .addColumn('buyer_addr', 'text')
        .addColumn('buyer_postcode', 'text')
        .addColumn('custom_data', 'text')
        .addColumn('notice_url', 'text')
        .addColumn('charge_fields', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('payment_id', big, (c) => c.references('payments.id'))
        .addColumn('imp_uid', 'text')
        .addColumn('executed_at', big)
        .addColumn('revoked_at', big)
        .addColumn('fail_reason', 'text')
        .addColumn('run_after_payment_id', big)
        .addColumn('lease_token', 'text')
        .addColumn('lease_until', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('payment_schedules_store_merchant_uid_key').unique().on('payment_schedules').columns(['store_id', 'merchant_uid']).execute();
      await db.schema.createIndex('payment_schedules_due_idx').on('payment_schedules').columns(['status', 'schedule_at']).execute();
      await db.schema.createIndex('payment_schedules_lease_idx').on('payment_schedules').columns(['status', 'lease_until']).execute();
      await db.schema.createIndex('payment_schedules_store_schedule_at_idx').on('payment_schedules').columns(['store_id', 'schedule_at']).execute();
      await db.schema.createIndex('payment_schedules_store_customer_idx').on('payment_schedules').columns(['store_id', 'customer_uid', 'schedule_at']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('payment_schedules').execute();
    },
  };
}
