import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * Escrow deliveries (V1 `POST|PUT /escrows/logis/{imp_uid}`): one per payment, registered once
 * and then changed. The parties and products are JSON text (read back whole, never queried).
 */
export function escrowDeliveriesMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('escrow_deliveries')
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('payment_id', big, (c) => c.notNull().references('payments.id'))
        .addColumn('company', 'text', (c) => c.notNull())
        .addColumn('invoice', 'text', (c) => c.notNull())
        .addColumn('sent_at', big, (c) => c.notNull())
        .addColumn('receiving_at', 'text')
        .addColumn('address', 'text')
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('receiver', 'text', (c) => c.notNull())
        .addColumn('products', 'text')
        .addColumn('applied_at', big, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('escrow_deliveries_pkey', ['store_id', 'payment_id'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('escrow_deliveries').execute();
    },
  };
}
