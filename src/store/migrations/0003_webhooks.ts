import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect';

/**
 * Webhooks from a transactional outbox (issue 6): each store's webhook and confirm settings, the
 * deliveries derived from payment_events (an event is dispatched once: `dispatched_at`), and every
 * attempt of every delivery.
 */
export function webhooksMigration(dialect: StoreDialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const idType = dialect === 'postgres' ? 'bigint' : 'integer';
  const id = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();

  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('webhook_settings')
        .addColumn('store_id', big, (c) => c.primaryKey().references('stores.id'))
        .addColumn('live_url', 'text')
        .addColumn('test_url', 'text')
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('schedule', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('previous_secret_sealed', 'text')
        .addColumn('previous_secret_expires_at', big)
        .addColumn('confirm_url', 'text')
        .addColumn('confirm_enabled', 'integer', (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addCheckConstraint('webhook_settings_content_type_check', sql`content_type in ('json', 'form')`)
        .addCheckConstraint('webhook_settings_schedule_check', sql`schedule in ('gyeol', 'v1-once', 'v1-retry')`)
        .addCheckConstraint('webhook_settings_confirm_check', sql`confirm_enabled in (0, 1)`)
        .execute();

      await db.schema.alterTable('payment_events').addColumn('dispatched_at', big).execute();
      await sql`create index payment_events_undispatched_idx on payment_events (id) where dispatched_at is null`.execute(db);

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', idType, id)
        /** The stable id receivers deduplicate by (`webhook-id`). */
        .addColumn('webhook_id', 'text', (c) => c.notNull())
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('payment_id', big, (c) => c.references('payments.id'))
        .addColumn('event_id', big, (c) => c.references('payment_events.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('schedule', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', big)
        .addColumn('lease_token', 'text')
        .addColumn('lease_until', big)
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addUniqueConstraint('webhook_deliveries_webhook_id_key', ['webhook_id'])
        .addUniqueConstraint('webhook_deliveries_event_url_key', ['event_id', 'url'])
        .addCheckConstraint('webhook_deliveries_state_check', sql`state in ('pending', 'succeeded', 'failed')`)
        .addCheckConstraint('webhook_deliveries_kind_check', sql`kind in ('event', 'test')`)
        .execute();
      await sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where state = 'pending'`.execute(db);
      await db.schema.createIndex('webhook_deliveries_store_idx').on('webhook_deliveries').columns(['store_id', 'created_at']).execute();

      await db.schema
        .createTable('webhook_attempts')
        .addColumn('id', idType, id)
        .addColumn('delivery_id', big, (c) => c.notNull().references('webhook_deliveries.id'))
        .addColumn('store_id', big, (c) => c.notNull().references('stores.id'))
        .addColumn('attempted_at', big, (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('response_excerpt', 'text')
        .execute();
      await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').columns(['store_id', 'delivery_id', 'id']).execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('webhook_attempts').execute();
      await db.schema.dropTable('webhook_deliveries').execute();
      await sql`drop index payment_events_undispatched_idx`.execute(db);
      await db.schema.alterTable('payment_events').dropColumn('dispatched_at').execute();
      await db.schema.dropTable('webhook_settings').execute();
    },
  };
}
