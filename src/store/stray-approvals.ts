import type { Kysely, Selectable } from 'kysely';
import type { Database, StrayApprovalsTable } from './schema';
import type { StrayApproval, StrayApprovalRepository } from './types';
import { toDate, toMs } from './rows';

function strayFromRow(row: Selectable<StrayApprovalsTable>): StrayApproval {
  return {
    id: Number(row.id),
    storeId: Number(row.store_id),
    channelId: Number(row.channel_id),
    pgProvider: row.pg_provider,
    pgTid: row.pg_tid,
    pgId: row.pg_id,
    merchantUid: row.merchant_uid,
    amount: Number(row.amount),
    approvedAt: toDate(row.approved_at),
    seenInPaymentId: Number(row.seen_in_payment_id),
    state: row.state as StrayApproval['state'],
    paymentId: row.payment_id === null ? null : Number(row.payment_id),
    createdAt: toDate(row.created_at),
  };
}

export class KyselyStrayApprovalRepository implements StrayApprovalRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(stray: Omit<StrayApproval, 'id'>): Promise<StrayApproval> {
    // `on conflict do nothing` rather than catching the unique violation: on PostgreSQL a failed
    // statement would abort a surrounding transaction. The first record of a PG transaction stands.
    await this.db
      .insertInto('stray_approvals')
      .values({
        store_id: stray.storeId,
        channel_id: stray.channelId,
        pg_provider: stray.pgProvider,
        pg_tid: stray.pgTid,
        pg_id: stray.pgId,
        merchant_uid: stray.merchantUid,
        amount: stray.amount,
        approved_at: toMs(stray.approvedAt),
        seen_in_payment_id: stray.seenInPaymentId,
        state: stray.state,
        payment_id: stray.paymentId,
        created_at: toMs(stray.createdAt),
      })
      .onConflict((oc) => oc.columns(['pg_provider', 'pg_tid']).doNothing())
      .execute();
    const row = await this.db
      .selectFrom('stray_approvals')
      .selectAll()
      .where('pg_provider', '=', stray.pgProvider)
      .where('pg_tid', '=', stray.pgTid)
      .executeTakeFirstOrThrow();
    return strayFromRow(row);
  }

  async list(storeId: number): Promise<StrayApproval[]> {
    const rows = await this.db.selectFrom('stray_approvals').selectAll().where('store_id', '=', storeId).orderBy('id').execute();
    return rows.map(strayFromRow);
  }
}
