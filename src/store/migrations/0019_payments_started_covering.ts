import type { Kysely, Migration } from 'kysely';

/**
 * `GET /payments/status/{paid|failed|cancelled}` in started order (V1's default) pages by
 * started_at within a window on the status's own time: the page's ids come from
 * `payments_store_status_started_idx`, skipping up to an hour of rows from where the hour counts
 * place the page, each checked against the window. With the status times in the index too, those
 * checks read the index alone rather than every skipped payment's row: at 1,000,000 payments a
 * deep page's ids took 1.02 ms, now 0.24 ms (issue 10, benchmark 5).
 */
export function paymentsStartedCoveringMigration(): Migration {
  const recreate = async (db: Kysely<any>, columns: string[]) => {
    await db.schema.dropIndex('payments_store_status_started_idx').execute();
    await db.schema.createIndex('payments_store_status_started_idx').on('payments').columns(columns).execute();
  };
  return {
    up: (db) => recreate(db, ['store_id', 'status', 'started_at', 'id', 'paid_at', 'failed_at', 'cancelled_at']),
    down: (db) => recreate(db, ['store_id', 'status', 'started_at', 'id']),
  };
}
