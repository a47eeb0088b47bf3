import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Currency } from '../domain/money';
import {
  EMPTY_CARD,
  type ApprovalState,
  type CardDetails,
  type Payment,
  type PaymentChannel,
  type PaymentStatus,
  type PayMethod,
} from '../domain/payment';
import { isUniqueViolation } from './dialect';
import type { Database, PaymentsTable } from './schema';
import type { ApprovalOutcome, NewPayment, PaymentRepository, PaymentSorting } from './types';
import { fromBool, toBool, toDate, toDateOrNull, toMs } from './rows';

export function paymentFromRow(row: Selectable<PaymentsTable>): Payment {
  return {
    id: Number(row.id),
    storeId: Number(row.store_id),
    channelId: Number(row.channel_id),
    impUid: row.imp_uid,
    merchantUid: row.merchant_uid,
    pgProvider: row.pg_provider,
    pgId: row.pg_id,
    pgTid: row.pg_tid,
    payMethod: row.pay_method as PayMethod,
    channel: row.channel as PaymentChannel,
    sandbox: toBool(row.sandbox),
    escrow: toBool(row.escrow),
    name: row.name,
    amount: Number(row.amount),
    cancelAmount: Number(row.cancel_amount),
    currency: row.currency as Currency,
    status: row.status as PaymentStatus,
    approvalState: row.approval_state as ApprovalState,
    buyerName: row.buyer_name,
    buyerEmail: row.buyer_email,
    buyerTel: row.buyer_tel,
    buyerAddr: row.buyer_addr,
    buyerPostcode: row.buyer_postcode,
    customData: row.custom_data,
    noticeUrl: row.notice_url,
    userAgent: row.user_agent,
    requestJson: row.request_json,
    card: {
      cardCode: row.card_code,
      cardName: row.card_name,
      cardIssuerCode: row.card_issuer_code,
      cardIssuerName: row.card_issuer_name,
      cardPublisherCode: row.card_publisher_code,
      cardPublisherName: row.card_publisher_name,
      cardNumber: row.card_number,
      cardQuota: Number(row.card_quota),
      cardType: row.card_type === null ? null : Number(row.card_type),
      applyNum: row.apply_num,
    },
    failReason: row.fail_reason,
    failCode: row.fail_code,
    receiptUrl: row.receipt_url,
    startedAt: toDate(row.started_at),
    paidAt: toDateOrNull(row.paid_at),
    failedAt: toDateOrNull(row.failed_at),
    cancelledAt: toDateOrNull(row.cancelled_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** CardDetails → the card_* columns. */
export function cardColumns(card: CardDetails) {
  return {
    card_code: card.cardCode,
    card_name: card.cardName,
    card_issuer_code: card.cardIssuerCode,
    card_issuer_name: card.cardIssuerName,
    card_publisher_code: card.cardPublisherCode,
    card_publisher_name: card.cardPublisherName,
    card_number: card.cardNumber,
    card_quota: card.cardQuota,
    card_type: card.cardType,
    apply_num: card.applyNum,
  } satisfies Updateable<PaymentsTable>;
}

type SortColumn = 'started_at' | 'paid_at' | 'updated_at';
const SORTINGS: Record<PaymentSorting, { column: SortColumn; direction: 'asc' | 'desc' }> = {
  '-started': { column: 'started_at', direction: 'desc' },
  started: { column: 'started_at', direction: 'asc' },
  '-paid': { column: 'paid_at', direction: 'desc' },
  paid: { column: 'paid_at', direction: 'asc' },
  '-updated': { column: 'updated_at', direction: 'desc' },
  updated: { column: 'updated_at', direction: 'asc' },
};

let savepointCounter = 0;

export class KyselyPaymentRepository implements PaymentRepository {
  /**
   * @param inTransaction whether `db` is a transaction: statements that may fail on purpose
   *   (the claim's unique violation) then run inside a savepoint, because PostgreSQL aborts the
   *   whole transaction on any error.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly inTransaction = false,
  ) {}

  async insert(payment: NewPayment): Promise<Payment> {
    const startedAt = toMs(payment.startedAt);
    const row = await this.db
      .insertInto('payments')
      .values({
        store_id: payment.storeId,
        channel_id: payment.channelId,
        imp_uid: payment.impUid,
        merchant_uid: payment.merchantUid,
        merchant_uid_claim: null,
        pg_provider: payment.pgProvider,
        pg_id: payment.pgId,
        pg_tid: null,
        pay_method: payment.payMethod,
        channel: payment.channel,
        sandbox: fromBool(payment.sandbox),
        escrow: fromBool(payment.escrow),
        name: payment.name,
        amount: payment.amount,
        cancel_amount: 0,
        currency: payment.currency,
        status: payment.status,
        approval_state: 'none',
        buyer_name: payment.buyerName,
        buyer_email: payment.buyerEmail,
        buyer_tel: payment.buyerTel,
        buyer_addr: payment.buyerAddr,
        buyer_postcode: payment.buyerPostcode,
        custom_data: payment.customData,
        notice_url: payment.noticeUrl,
        user_agent: payment.userAgent,
        request_json: payment.requestJson,
        ...cardColumns(payment.card ?? EMPTY_CARD),
        fail_code: null,
        fail_reason: null,
        receipt_url: null,
        started_at: startedAt,
        paid_at: null,
        failed_at: null,
        cancelled_at: null,
        updated_at: startedAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return paymentFromRow(row);
  }

  async findById(storeId: number, id: number): Promise<Payment | null> {
    const row = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? paymentFromRow(row) : null;
  }

  async findByImpUid(storeId: number, impUid: string): Promise<Payment | null> {
    const row = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('imp_uid', '=', impUid)
      .executeTakeFirst();
    return row ? paymentFromRow(row) : null;
  }

  async findByMerchantUid(
    storeId: number,
    merchantUid: string,
    options: { status?: PaymentStatus; sorting?: PaymentSorting } = {},
  ): Promise<Payment | null> {
    const { column, direction } = SORTINGS[options.sorting ?? '-started'] ?? SORTINGS['-started'];
    let query = this.db
      .selectFrom('payments')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('merchant_uid', '=', merchantUid);
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    // Unpaid payments (paid_at NULL) come last in both directions; ties broken by id.
    const row = await query
      .orderBy(column, (ob) => (direction === 'desc' ? ob.desc() : ob.asc()).nullsLast())
      .orderBy('id', direction)
      .limit(1)
      .executeTakeFirst();
    return row ? paymentFromRow(row) : null;
  }

  async findClaim(storeId: number, merchantUid: string): Promise<Payment | null> {
    const row = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('merchant_uid_claim', '=', merchantUid)
      .executeTakeFirst();
    return row ? paymentFromRow(row) : null;
  }

  async claimForApproval(storeId: number, paymentId: number, pgTid: string, now: Date): Promise<boolean> {
    const claim = () =>
      this.db
        .updateTable('payments')
        .set((eb) => ({
          approval_state: 'requested',
          merchant_uid_claim: eb.ref('merchant_uid'),
          pg_tid: pgTid,
          updated_at: toMs(now),
        }))
        .where('id', '=', paymentId)
        .where('store_id', '=', storeId)
        .where('status', '=', 'ready')
        .where('approval_state', '=', 'none')
        .executeTakeFirst();
    try {
      const result = this.inTransaction ? await this.inSavepoint(claim) : await claim();
      return Number(result.numUpdatedRows) === 1;
    } catch (error) {
      // Another payment of this merchant_uid holds the claim (requested, unknown or paid).
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async markFailed(
    storeId: number,
    paymentId: number,
    failure: { failCode: string; failReason: string; failedAt: Date },
  ): Promise<Payment | null> {
    const failedAt = toMs(failure.failedAt);
    const row = await this.db
      .updateTable('payments')
      .set({
        status: 'failed',
        fail_code: failure.failCode,
        fail_reason: failure.failReason,
        failed_at: failedAt,
        updated_at: failedAt,
      })
      .where('id', '=', paymentId)
      .where('store_id', '=', storeId)
      .where('status', '=', 'ready')
      .where('approval_state', '=', 'none')
      .returningAll()
      .executeTakeFirst();
    return row ? paymentFromRow(row) : null;
  }

  async recordApprovalOutcome(storeId: number, paymentId: number, outcome: ApprovalOutcome, now: Date): Promise<Payment | null> {
    const updatedAt = toMs(now);
    let changes: Updateable<PaymentsTable>;
    switch (outcome.kind) {
      case 'approved':
        changes = {
          status: 'paid',
          approval_state: 'approved',
          pg_tid: outcome.pgTid,
          paid_at: toMs(outcome.paidAt),
          ...cardColumns(outcome.card),
          receipt_url: outcome.receiptUrl,
          // A paid payment carries no failure: drop any note an earlier unknown outcome left.
          fail_code: null,
          fail_reason: null,
          updated_at: updatedAt,
        };
        break;
      case 'declined':
        changes = {
          status: 'failed',
          approval_state: 'declined',
          merchant_uid_claim: null,
          fail_code: outcome.failCode,
          fail_reason: outcome.failReason,
          failed_at: toMs(outcome.failedAt),
          ...(outcome.pgTid !== null ? { pg_tid: outcome.pgTid } : {}),
          updated_at: updatedAt,
        };
        break;
      case 'unknown':
        changes = {
          approval_state: 'unknown',
          fail_reason: outcome.note,
          ...(outcome.pgTid !== null ? { pg_tid: outcome.pgTid } : {}),
          updated_at: updatedAt,
        };
        break;
      default: {
        const never: never = outcome;
        throw new TypeError(`Unknown approval outcome ${JSON.stringify(never)}`);
      }
    }
    const row = await this.db
      .updateTable('payments')
      .set(changes)
      .where('id', '=', paymentId)
      .where('store_id', '=', storeId)
      .where('approval_state', '=', 'requested')
      .returningAll()
      .executeTakeFirst();
    return row ? paymentFromRow(row) : null;
  }

  private async inSavepoint<T>(work: () => Promise<T>): Promise<T> {
    const name = sql.id(`gyeol_sp_${++savepointCounter}`);
    await sql`savepoint ${name}`.execute(this.db);
    try {
      const result = await work();
      await sql`release savepoint ${name}`.execute(this.db);
      return result;
    } catch (error) {
      await sql`rollback to savepoint ${name}`.execute(this.db);
      await sql`release savepoint ${name}`.execute(this.db);
      throw error;
    }
  }
}
