import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { VBANK_REVOKED } from '../domain/cancellations';
import type { Cancellation, CancellationKind, CancellationState } from '../domain/cancellations';
import type { DomainEvent } from '../domain/payment-transitions';
import { paymentFromRow } from './payments';
import { fromBool, toBool, toDate, toDateOrNull, toMs } from './rows';
import { SILENT_OUTBOX, type OutboxNotifier } from './outbox';
import type { Database, PaymentCancellationsTable, PaymentsTable } from './schema';
import type { CancellationOutcome, CancellationRepository, NewCancellation, ReserveResult } from './types';

export function cancellationFromRow(row: Selectable<PaymentCancellationsTable>): Cancellation {
  return {
    id: Number(row.id),
    storeId: Number(row.store_id),
    paymentId: Number(row.payment_id),
    cancellationId: row.cancellation_id,
    kind: row.kind as CancellationKind,
    seq: Number(row.seq),
    amount: Number(row.amount),
    taxFree: Number(row.tax_free),
    vatAmount: row.vat_amount === null ? null : Number(row.vat_amount),
    reason: row.reason,
    state: row.state as CancellationState,
    pgTid: row.pg_tid,
    receiptUrl: row.receipt_url,
    resultCode: row.result_code,
    resultMessage: row.result_message,
    enableWebhook: toBool(row.enable_webhook),
    refundSealed: row.refund_sealed,
    requestedAt: toDate(row.requested_at),
    cancelledAt: toDateOrNull(row.cancelled_at),
    reconcileAfter: toDateOrNull(row.reconcile_after),
    reconcileAttempts: Number(row.reconcile_attempts),
    updatedAt: toDate(row.updated_at),
  };
}

/** The states each outcome may follow. */
const SETTLES_FROM: Record<CancellationOutcome['state'], CancellationState[]> = {
  done: ['requested', 'unknown', 'pending'],
  refused: ['requested', 'unknown'],
  pending: ['requested', 'unknown'],
  unknown: ['requested', 'unknown'],
};

export class KyselyCancellationRepository implements CancellationRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly inTransaction = false,
    private readonly outbox: OutboxNotifier = SILENT_OUTBOX,
  ) {}

  private run<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.inTransaction ? work(this.db) : this.db.transaction().execute((trx) => work(trx));
  }

  reserve(c: NewCancellation, guard: { status: 'paid' | 'ready'; checksum: number | null }): Promise<ReserveResult> {
    return this.run(async (db) => {
      const left = sql<number>`amount - cancel_amount - cancel_reserved`;
      let update = db
        .updateTable('payments')
        .set((eb) => ({
          cancel_reserved: eb('cancel_reserved', '+', c.amount),
          cancel_seq: eb('cancel_seq', '+', 1),
          updated_at: toMs(c.requestedAt),
        }))
        .where('id', '=', c.paymentId)
        .where('store_id', '=', c.storeId)
        .where('status', '=', guard.status)
        .where(left, '>=', c.amount);
      // A revocation is of an issued account: approved by the PG, not paid.
      if (guard.status === 'ready') update = update.where('approval_state', '=', 'approved').where('pay_method', '=', 'vbank');
      if (guard.checksum !== null) update = update.where(left, '=', guard.checksum);
      const row = await update.returningAll().executeTakeFirst();
      if (!row) {
        const now = await db.selectFrom('payments').selectAll().where('id', '=', c.paymentId).where('store_id', '=', c.storeId).executeTakeFirst();
        return { ok: false, payment: now ? paymentFromRow(now) : null };
      }
      const inserted = await db
        .insertInto('payment_cancellations')
        .values({
          store_id: c.storeId,
          payment_id: c.paymentId,
          cancellation_id: c.cancellationId,
          kind: c.kind,
          seq: Number(row.cancel_seq),
          amount: c.amount,
          tax_free: c.taxFree,
          vat_amount: c.vatAmount,
          reason: c.reason,
          state: 'requested',
          pg_tid: null,
          receipt_url: null,
          result_code: null,
          result_message: null,
          enable_webhook: fromBool(c.enableWebhook),
          refund_sealed: c.refundSealed,
          requested_at: toMs(c.requestedAt),
          cancelled_at: null,
          reconcile_after: toMs(c.reconcileAfter),
          updated_at: toMs(c.requestedAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ok: true, payment: paymentFromRow(row), cancellation: cancellationFromRow(inserted) };
    });
  }

  async settle(cancellation: Cancellation, outcome: CancellationOutcome) {
    let wroteEvent = false;
    const settled = await this.run(async (db) => {
      const at = toMs(outcome.at);
      const open = outcome.state === 'unknown' || outcome.state === 'pending';
      const own: Updateable<PaymentCancellationsTable> = {
        state: outcome.state,
        updated_at: at,
        reconcile_after: outcome.state === 'unknown' && outcome.reconcileAfter ? toMs(outcome.reconcileAfter) : null,
        // The refund account is needed until the PG has given a final or pending answer.
        ...(open && outcome.state === 'unknown' ? {} : { refund_sealed: null }),
      };
      if (outcome.state === 'done') Object.assign(own, { pg_tid: outcome.pgTid, receipt_url: outcome.receiptUrl, result_code: outcome.code, result_message: outcome.message, cancelled_at: toMs(outcome.cancelledAt) });
      if (outcome.state === 'refused') Object.assign(own, { result_code: outcome.code, result_message: outcome.message });
      if (outcome.state === 'pending') Object.assign(own, { pg_tid: outcome.pgTid, result_code: outcome.code, result_message: outcome.message });
      if (outcome.state === 'unknown') Object.assign(own, { result_message: outcome.note, reconcile_attempts: outcome.attempts });
      const row = await db
        .updateTable('payment_cancellations')
        .set(own)
        .where('id', '=', cancellation.id)
        .where('store_id', '=', cancellation.storeId)
        .where('state', 'in', SETTLES_FROM[outcome.state])
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      const settled = cancellationFromRow(row);

      let paymentRow: Selectable<PaymentsTable> | undefined;
      let event: DomainEvent['type'] | null = null;
      const base = db.updateTable('payments').where('id', '=', cancellation.paymentId).where('store_id', '=', cancellation.storeId);
      if (outcome.state === 'done' && cancellation.kind === 'cancel') {
        paymentRow = await base
          .set((eb) => ({
            cancel_amount: eb('cancel_amount', '+', cancellation.amount),
            cancel_reserved: eb('cancel_reserved', '-', cancellation.amount),
            cancelled_at: toMs(outcome.cancelledAt),
            status: sql<string>`case when cancel_amount + ${cancellation.amount} >= amount then 'cancelled' else status end`,
            updated_at: at,
          }))
          .returningAll()
          .executeTakeFirstOrThrow();
        event = cancellation.enableWebhook ? 'payment.cancelled' : 'payment.cancelled_quietly';
      } else if (outcome.state === 'done') {
        // A revoked account fails; its merchant_uid may be paid again.
        paymentRow = await base
          .set((eb) => ({
            cancel_reserved: eb('cancel_reserved', '-', cancellation.amount),
            status: sql<string>`case when status = 'ready' then 'failed' else status end`,
            fail_code: sql<string | null>`case when status = 'ready' then ${VBANK_REVOKED.code} else fail_code end`,
            fail_reason: sql<string | null>`case when status = 'ready' then ${VBANK_REVOKED.reason} else fail_reason end`,
            failed_at: sql<number | null>`case when status = 'ready' then ${at} else failed_at end`,
            merchant_uid_claim: sql<string | null>`case when status = 'ready' then null else merchant_uid_claim end`,
            updated_at: at,
          }))
          .returningAll()
          .executeTakeFirstOrThrow();
        if (paymentRow.status === 'failed' && paymentRow.fail_code === VBANK_REVOKED.code) event = 'payment.vbank_revoked';
      } else if (outcome.state === 'refused') {
        paymentRow = await base
          .set((eb) => ({ cancel_reserved: eb('cancel_reserved', '-', cancellation.amount), updated_at: at }))
          .returningAll()
          .executeTakeFirstOrThrow();
      } else {
        paymentRow = await db.selectFrom('payments').selectAll().where('id', '=', cancellation.paymentId).executeTakeFirstOrThrow();
      }
      const payment = paymentFromRow(paymentRow);
      if (event) {
        await db
          .insertInto('payment_events')
          .values({
            store_id: cancellation.storeId,
            payment_id: cancellation.paymentId,
            type: event,
            imp_uid: payment.impUid,
            merchant_uid: payment.merchantUid,
            status: payment.status,
            occurred_at: at,
            cancellation_id: cancellation.kind === 'cancel' ? cancellation.cancellationId : null,
          })
          .execute();
        wroteEvent = true;
      }
      return { cancellation: settled, payment };
    });
    if (wroteEvent) this.outbox.written();
    return settled;
  }

  async findByCancellationId(storeId: number, cancellationId: string): Promise<Cancellation | null> {
    const row = await this.db
      .selectFrom('payment_cancellations')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('cancellation_id', '=', cancellationId)
      .executeTakeFirst();
    return row ? cancellationFromRow(row) : null;
  }

  async findPendingByPgTid(storeId: number, pgTid: string): Promise<Cancellation | null> {
    const row = await this.db
      .selectFrom('payment_cancellations')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('pg_tid', '=', pgTid)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return row ? cancellationFromRow(row) : null;
  }

  async listReconcileDue(now: Date, limit: number): Promise<Cancellation[]> {
    const rows = await this.db
      .selectFrom('payment_cancellations')
      .selectAll()
      .where('reconcile_after', 'is not', null)
      .where('reconcile_after', '<=', toMs(now))
      .where('state', 'in', ['requested', 'unknown'])
      .orderBy('reconcile_after')
      .limit(limit)
      .execute();
    return rows.map(cancellationFromRow);
  }

  async listByPayments(storeId: number, paymentIds: readonly number[]): Promise<Cancellation[]> {
    if (paymentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('payment_cancellations')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('payment_id', 'in', [...paymentIds])
      .orderBy('payment_id')
      .orderBy('seq')
      .execute();
    return rows.map(cancellationFromRow);
  }
}
