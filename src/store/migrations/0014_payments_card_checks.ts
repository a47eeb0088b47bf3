import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The reconciler cancels card checks (`customer_uid_usage` `payment.check`, the charge of a
 * schedule request's `checking_amount`) left paid by a crash between their approval and their
 * cancel. A partial index holds exactly those, so the pass reads a handful of rows, not the table.
 */
export function paymentsCardChecksMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('payments_paid_card_checks_idx')
        .on('payments')
        .column('paid_at')
        .where(sql.ref('customer_uid_usage'), '=', 'payment.check')
        .where(sql.ref('status'), '=', 'paid')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('payments_paid_card_checks_idx').execute();
    },
  };
}
