import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../dialect';
import { initialMigration } from './0001_initial';
import { paymentCoreMigration } from './0002_payment_core';
import { webhooksMigration } from './0003_webhooks';
import { paymentsPgTidMigration } from './0004_payments_pg_tid';
import { paymentsVbankDateMigration } from './0005_payments_vbank_date';
import { restApiMigration } from './0006_rest_api';
import { cancellationsMigration } from './0007_cancellations';
import { receiptsMigration } from './0008_receipts';
import { escrowDeliveriesMigration } from './0009_escrow_deliveries';
import { billingCustomersMigration } from './0010_billing_customers';
import { paymentsCustomerUidMigration } from './0011_payments_customer_uid';
import { paymentsCardChecksMigration } from './0014_payments_card_checks';
import { paymentSchedulesMigration } from './0013_payment_schedules';
import { webhookDeliveryOrderMigration } from './0015_webhook_delivery_order';
import { paymentsRowVersionMigration } from './0017_payments_row_version';
import { paymentTimeCountsMigration } from './0018_payment_time_counts';
import { paymentsStartedCoveringMigration } from './0019_payments_started_covering';

/**
 * Migrations are listed in code (no file-system globbing: the server is bundled into one file).
 * Names sort lexically: add `0002_…` below `0001_initial`, never rename or edit an applied one.
 * Each migration gets the dialect so it can pick column types.
 */
export function migrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_initial': initialMigration(dialect),
    '0002_payment_core': paymentCoreMigration(dialect),
    '0003_webhooks': webhooksMigration(dialect),
    '0004_payments_pg_tid': paymentsPgTidMigration(),
    '0005_payments_vbank_date': paymentsVbankDateMigration(),
    '0006_rest_api': restApiMigration(dialect),
    '0007_cancellations': cancellationsMigration(dialect),
    '0008_receipts': receiptsMigration(dialect),
    '0009_escrow_deliveries': escrowDeliveriesMigration(dialect),
    '0010_billing_customers': billingCustomersMigration(dialect),
    '0011_payments_customer_uid': paymentsCustomerUidMigration(),
    '0013_payment_schedules': paymentSchedulesMigration(dialect),
    '0014_payments_card_checks': paymentsCardChecksMigration(),
    '0015_webhook_delivery_order': webhookDeliveryOrderMigration(),
    '0017_payments_row_version': paymentsRowVersionMigration(dialect),
    '0018_payment_time_counts': paymentTimeCountsMigration(dialect),
    '0019_payments_started_covering': paymentsStartedCoveringMigration(),
  };
}

/** Names of applied migrations live here, in the schema the connection works in. */
const BOOKKEEPING_TABLE = 'gyeol_migrations';

/**
 * Applies every pending migration in one transaction; throws if one fails (and nothing of it
 * stays). Safe to run from several instances at once: on PostgreSQL a transaction-scoped advisory
 * lock keyed by the current schema serializes them; on SQLite the transaction starts with
 * `begin immediate` (see db.ts), which takes the write lock.
 *
 * Kysely's own Migrator is not used: it introspects the tables of every schema in the database,
 * which fails when another schema is dropped meanwhile (many test schemas, or many tenants, on one
 * PostgreSQL) and mixes up bookkeeping tables of different schemas.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: StoreDialect): Promise<string[]> {
  await createBookkeepingTable(db);
  const pending = Object.entries(migrations(dialect)).sort(([a], [b]) => a.localeCompare(b));
  try {
    return await db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext(current_schema() || ':gyeol-migrations'))`.execute(trx);
      }
      const done = await sql<{ name: string }>`select name from ${sql.table(BOOKKEEPING_TABLE)}`.execute(trx);
      const applied = new Set(done.rows.map((row) => row.name));
      const ran: string[] = [];
      for (const [name, migration] of pending) {
        if (applied.has(name)) continue;
        await migration.up(trx);
        await sql`insert into ${sql.table(BOOKKEEPING_TABLE)} (name, applied_at) values (${name}, ${Date.now()})`.execute(trx);
        ran.push(name);
      }
      return ran;
    });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Database migration failed: ${message}`, { cause });
  }
}

async function createBookkeepingTable(db: Kysely<any>): Promise<void> {
  try {
    await sql`create table if not exists ${sql.table(BOOKKEEPING_TABLE)} (name varchar(255) primary key, applied_at bigint not null)`.execute(db);
  } catch (error) {
    // Two PostgreSQL sessions creating it at the same moment: the loser sees a duplicate type.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
}
