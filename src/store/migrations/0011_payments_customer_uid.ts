import type { Kysely, Migration } from 'kysely';

/**
 * Billing (issue 9): a payment names the billing key it issued or charged (V1 `customer_uid`) and
 * how (`customer_uid_usage`: `issue`, `payment`, `payment.scheduled`). Indexed by store and
 * customer for `GET /subscribe/customers/{customer_uid}/payments`, newest first.
 */
export function paymentsCustomerUidMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('payments').addColumn('customer_uid', 'text').execute();
      await db.schema.alterTable('payments').addColumn('customer_uid_usage', 'text').execute();
      await db.schema.createIndex('payments_store_customer_uid_idx').on('payments').columns(['store_id', 'customer_uid', 'started_at']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('payments_store_customer_uid_idx').execute();
      await db.schema.alterTable('payments').dropColumn('customer_uid_usage').execute();
      await db.schema.alterTable('payments').dropColumn('customer_uid').execute();
    },
  };
}
