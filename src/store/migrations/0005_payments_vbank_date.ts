import type { Kysely, Migration } from 'kysely';

/**
 * The virtual-account expiry job looks for `ready` payments whose `vbank_date` is past: index
 * them by status and deadline, so a pass does not scan every payment.
 */
export function paymentsVbankDateMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('payments_status_vbank_date_idx').on('payments').columns(['status', 'vbank_date']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('payments_status_vbank_date_idx').execute();
    },
  };
}
