import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * Billing keys (issue 9): one live row per (store, customer_uid). Deleting a customer removes its
 * row (V1's DELETE answers the customer as it was); issuing again replaces the card in place.
 */
export function billingCustomersMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('billing_customers')
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('customer_uid', 'text', (c) => c.notNull())
        .addColumn('channel_id', big, (c) => c.notNull().references('channels.id'))
        .addColumn('pg_provider', 'text', (c) => c.notNull())
        .addColumn('pg_id', 'text', (c) => c.notNull())
        .addColumn('sandbox', 'integer', (c) => c.notNull())
        .addColumn('billing_key_sealed', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text')
        .addColumn('card_code', 'text')
        .addColumn('card_name', 'text')
        .addColumn('card_issuer_code', 'text')
        .addColumn('card_issuer_name', 'text')
        .addColumn('card_publisher_code', 'text')
        .addColumn('card_publisher_name', 'text')
        .addColumn('card_number', 'text')
        .addColumn('card_type', 'integer')
        .addColumn('customer_name', 'text')
        .addColumn('customer_tel', 'text')
        .addColumn('customer_email', 'text')
        .addColumn('customer_addr', 'text')
        .addColumn('customer_postcode', 'text')
        .addColumn('inserted_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('billing_customers_pkey', ['store_id', 'customer_uid'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('billing_customers').execute();
    },
  };
}
