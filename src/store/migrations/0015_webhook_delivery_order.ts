import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Leasing due webhook deliveries skips one while an earlier delivery of the same payment to the
 * same URL is still pending (one payment's webhooks arrive in order). That check ran without an
 * index: a scan of the deliveries for every candidate, O(n²) in a backlog (issue 10, benchmark 4).
 * A partial index holds exactly the pending ones, by payment, URL and id.
 */
export function webhookDeliveryOrderMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('webhook_deliveries_pending_order_idx')
        .on('webhook_deliveries')
        .columns(['payment_id', 'url', 'id'])
        .where(sql.ref('state'), '=', 'pending')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('webhook_deliveries_pending_order_idx').execute();
    },
  };
}
