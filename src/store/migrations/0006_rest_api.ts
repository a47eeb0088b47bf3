import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * The rest of the V1 REST API (issue 8): prepared amounts (`/payments/prepare`, one per store and
 * merchant_uid) and indexes for the payment lists. The lists page by `started_at` or by the time
 * their status is about (`paid_at`, `failed_at`, `cancelled_at`) with `id` as the tie-breaker, so
 * each index ends in (time, id): a range on the time and an ordered walk, never a scan of the
 * store's payments, also at millions of rows.
 */
export function restApiMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('payment_prepares')
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('merchant_uid', 'text', (c) => c.notNull())
        // Integer minor units of `currency` (KRW when the merchant gave none).
        .addColumn('amount', big, (c) => c.notNull())
        // NULL: the merchant registered no currency, so the window's currency is not checked.
        .addColumn('currency', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('payment_prepares_pkey', ['store_id', 'merchant_uid'])
        .execute();

      const indexes: [string, string[]][] = [
        // GET /payments/findAll/{merchant_uid}[/{status}] (and `find`), every sorting.
        ['payments_store_merchant_status_started_idx', ['store_id', 'merchant_uid', 'status', 'started_at', 'id']],
        // GET /payments/status/all: started_at window.
        ['payments_store_started_idx', ['store_id', 'started_at', 'id']],
        // GET /payments/status/{status}: the status's own time basis.
        ['payments_store_status_started_idx', ['store_id', 'status', 'started_at', 'id']],
        ['payments_store_status_paid_idx', ['store_id', 'status', 'paid_at', 'id']],
        ['payments_store_status_failed_idx', ['store_id', 'status', 'failed_at', 'id']],
        ['payments_store_status_cancelled_idx', ['store_id', 'status', 'cancelled_at', 'id']],
      ];
      for (const [name, columns] of indexes) {
        await db.schema.createIndex(name).on('payments').columns(columns).execute();
      }
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const name of [
        'payments_store_status_cancelled_idx',
        'payments_store_status_failed_idx',
        'payments_store_status_paid_idx',
        'payments_store_status_started_idx',
        'payments_store_started_idx',
        'payments_store_merchant_status_started_idx',
      ]) {
        await db.schema.dropIndex(name).execute();
      }
      await db.schema.dropTable('payment_prepares').execute();
    },
  };
}
