import type { Kysely, Migration } from 'kysely';

/**
 * PG notifications (a vbank deposit) name the payment by the PG's transaction id: index it, so a
 * notification does not scan the store's payments.
 */
export function paymentsPgTidMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('payments_store_pg_tid_idx').on('payments').columns(['store_id', 'pg_provider', 'pg_tid']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('payments_store_pg_tid_idx').execute();
    },
  };
}
