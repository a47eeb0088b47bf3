import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * Cancels (issue 8). `payment_cancellations` holds every cancel and virtual-account revocation,
 * whatever became of it. On `payments`, `cancel_reserved` is what open cancels hold (requested,
 * unknown or a pending refund): a cancel is reserved with one conditional update
 * (`amount - cancel_amount - cancel_reserved >= :amount`), so concurrent cancels never together
 * exceed the payment, on any number of instances. `cancel_seq` numbers a payment's cancels.
 * Events carry the cancellation they are about (`cancellation_id` in the webhook body).
 */
export function cancellationsMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const idType = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('payments').addColumn('cancel_reserved', big, (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('payments').addColumn('cancel_seq', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('payment_events').addColumn('cancellation_id', 'text').execute();
      await db.schema
        .createTable('payment_cancellations')
        .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('payment_id', big, (c) => c.notNull().references('payments.id'))
        .addColumn('cancellation_id', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('amount', big, (c) => c.notNull())
        .addColumn('tax_free', big, (c) => c.notNull())
        .addColumn('vat_amount', big)
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('pg_tid', 'text')
        .addColumn('receipt_url', 'text')
        .addColumn('result_code', 'text')
        .addColumn('result_message', 'text')
        .addColumn('enable_webhook', 'integer', (c) => c.notNull())
        .addColumn('refund_sealed', 'text')
        .addColumn('requested_at', big, (c) => c.notNull())
        .addColumn('cancelled_at', big)
        .addColumn('reconcile_after', big)
        .addColumn('reconcile_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', big, (c) => c.notNull())
        .addUniqueConstraint('payment_cancellations_payment_seq_key', ['payment_id', 'seq'])
        .execute();
      // A refund notification names the refund's own Tid.
      await db.schema.createIndex('payment_cancellations_pg_tid_idx').on('payment_cancellations').columns(['pg_tid']).execute();
      // The reconciler's due list.
      await db.schema.createIndex('payment_cancellations_reconcile_idx').on('payment_cancellations').columns(['reconcile_after']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('payment_cancellations').execute();
      await db.schema.alterTable('payment_events').dropColumn('cancellation_id').execute();
      await db.schema.alterTable('payments').dropColumn('cancel_seq').execute();
      await db.schema.alterTable('payments').dropColumn('cancel_reserved').execute();
    },
  };
}
