import { CompiledQuery, sql, type Compilable, type Kysely, type Selectable, type SelectQueryBuilder, type Updateable } from 'kysely';
import type { Currency } from '../domain/money';
import { decodePassThrough, encodePassThrough } from '../domain/pass-through';
import {
  EMPTY_BANK,
  EMPTY_CARD,
  type ApprovalState,
  type CardDetails,
  type CustomerUidUsage,
  type MethodDetails,
  type Payment,
  type PaymentChannel,
  type PaymentStatus,
  type PayMethod,
} from '../domain/payment';
import type { DomainEvent, PaymentChanges } from '../domain/payment-transitions';
import { isUniqueViolation, type StoreDialect } from './dialect';
import { SILENT_OUTBOX, type OutboxNotifier } from './outbox';
import type { Database, PaymentEventsTable, PaymentsTable } from './schema';
import type {
  AcceptedDecision,
  ApplyResult,
  NewPayment,
  PageRequest,
  PaymentPage,
  PaymentRepository,
  PaymentSorting,
  PaymentTimeBasis,
  StoredPaymentEvent,
} from './types';
import { fromBool, toBool, toDate, toDateOrNull, toMs, toMsOrNull } from './rows';
import { foldDeltas, planByHours } from './payment-time-counts';
import { compiledSql, definedKeys, runCompiled } from './compiled';
import type { PaymentRowCache } from './payment-row-cache';
import type { DirectRead } from './repositories';

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
    taxFree: row.tax_free === null ? null : Number(row.tax_free),
    vatAmount: row.vat_amount === null ? null : Number(row.vat_amount),
    cancelAmount: Number(row.cancel_amount),
    cancelReserved: Number(row.cancel_reserved),
    currency: row.currency as Currency,
    status: row.status as PaymentStatus,
    approvalState: row.approval_state as ApprovalState,
    approvalRequestedAt: toDateOrNull(row.approval_requested_at),
    approvalUnverified: toBool(row.approval_unverified),
    reconcileAfter: toDateOrNull(row.reconcile_after),
    reconcileAttempts: Number(row.reconcile_attempts),
    pgAuthSealed: row.pg_auth_sealed,
    buyerName: row.buyer_name,
    buyerEmail: row.buyer_email,
    buyerTel: row.buyer_tel,
    buyerAddr: row.buyer_addr,
    buyerPostcode: row.buyer_postcode,
    customData: row.custom_data,
    noticeUrl: row.notice_url,
    customerUid: row.customer_uid,
    customerUidUsage: row.customer_uid_usage as CustomerUidUsage | null,
    userAgent: row.user_agent,
    passThrough: decodePassThrough(row.request_json),
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
    bank: { bankCode: row.bank_code, bankName: row.bank_name },
    vbank:
      row.vbank_num === null
        ? null
        : {
            vbankCode: row.vbank_code,
            vbankName: row.vbank_name,
            vbankNum: row.vbank_num,
            vbankHolder: row.vbank_holder,
            vbankDate: toDateOrNull(row.vbank_date),
            vbankIssuedAt: toDate(row.vbank_issued_at ?? row.updated_at),
          },
    embPgProvider: row.emb_pg_provider,
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

export function paymentEventFromRow(row: Selectable<PaymentEventsTable>): StoredPaymentEvent {
  return {
    id: Number(row.id),
    storeId: Number(row.store_id),
    paymentId: Number(row.payment_id),
    type: row.type as DomainEvent['type'],
    impUid: row.imp_uid,
    merchantUid: row.merchant_uid,
    status: row.status as PaymentStatus,
    occurredAt: toDate(row.occurred_at),
    // Only cancel events are about a cancellation; others carry no such key (as decide() emits them).
    ...(row.cancellation_id !== null ? { cancellationId: row.cancellation_id } : {}),
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

/** The method-specific columns a PG result fills. */
function detailColumns(details: MethodDetails): Updateable<PaymentsTable> {
  switch (details.method) {
    case 'card':
      return cardColumns(details.card);
    case 'trans':
      return { bank_code: details.bank.bankCode, bank_name: details.bank.bankName };
    case 'vbank':
      return {
        vbank_code: details.vbank.vbankCode,
        vbank_name: details.vbank.vbankName,
        vbank_num: details.vbank.vbankNum,
        vbank_holder: details.vbank.vbankHolder,
        vbank_date: toMsOrNull(details.vbank.vbankDate),
        vbank_issued_at: toMs(details.vbank.vbankIssuedAt),
      };
    case 'phone':
      return {};
    case 'easypay':
      return { emb_pg_provider: details.embPgProvider, ...(details.card ? cardColumns(details.card) : {}) };
    default: {
      const never: never = details;
      throw new TypeError(`unknown method details ${JSON.stringify(never)}`);
    }
  }
}

/** A decision's changes → columns. The claim is set to the row's own merchant_uid or cleared. */
function changeColumns(changes: PaymentChanges): Updateable<PaymentsTable> {
  const set: Updateable<PaymentsTable> = { updated_at: toMs(changes.updatedAt) };
  if (changes.status !== undefined) set.status = changes.status;
  if (changes.approvalState !== undefined) set.approval_state = changes.approvalState;
  if (changes.claim === 'release') set.merchant_uid_claim = null;
  if (changes.pgTid !== undefined) set.pg_tid = changes.pgTid;
  if (changes.pgAuthSealed !== undefined) set.pg_auth_sealed = changes.pgAuthSealed;
  if (changes.approvalRequestedAt !== undefined) set.approval_requested_at = toMs(changes.approvalRequestedAt);
  if (changes.approvalUnverified !== undefined) set.approval_unverified = fromBool(changes.approvalUnverified);
  if (changes.reconcileAfter !== undefined) set.reconcile_after = toMsOrNull(changes.reconcileAfter);
  if (changes.reconcileAttempts !== undefined) set.reconcile_attempts = changes.reconcileAttempts;
  if (changes.paidAt !== undefined) set.paid_at = toMs(changes.paidAt);
  if (changes.failedAt !== undefined) set.failed_at = toMsOrNull(changes.failedAt);
  if (changes.failCode !== undefined) set.fail_code = changes.failCode;
  if (changes.failReason !== undefined) set.fail_reason = changes.failReason;
  if (changes.receiptUrl !== undefined) set.receipt_url = changes.receiptUrl;
  if (changes.escrow !== undefined) set.escrow = fromBool(changes.escrow);
  if (changes.details !== undefined) Object.assign(set, detailColumns(changes.details));
  return set;
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

/**
 * Orders a payments query by a V1 sorting: unset times (a `paid_at` of an unpaid payment) come
 * last in both directions, ties broken by id in the same direction.
 */
function sorted<Q extends SelectQueryBuilder<Database, 'payments', any>>(query: Q, sorting: PaymentSorting): Q {
  const { column, direction } = SORTINGS[sorting] ?? SORTINGS['-started'];
  return query
    .orderBy(column, (ob) => (direction === 'desc' ? ob.desc() : ob.asc()).nullsLast())
    .orderBy('id', direction) as Q;
}

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
    private readonly dialect: StoreDialect = 'sqlite',
    private readonly outbox: OutboxNotifier = SILENT_OUTBOX,
    private readonly directRead?: DirectRead,
    private readonly rowCache?: PaymentRowCache,
  ) {}

  /**
   * A hot read: its SQL compiled by Kysely once per dialect (`build` with placeholder values, in
   * the order `parameters` gives them), then run straight from SQLite's read-only connection, or
   * through Kysely without building and compiling again. `GET /payments/{imp_uid}` spent more of its
   * time in the query builder than in SQLite.
   */
  private async hotRead<R>(name: string, build: () => Compilable<R>, parameters: unknown[]): Promise<R[]> {
    const text = compiledSql(this.dialect, `payments.hot:${name}`, build);
    const direct = this.inTransaction ? null : (this.directRead?.(text, parameters) ?? null);
    if (direct) return direct as R[];
    return (await this.db.executeQuery<R>(CompiledQuery.raw(text, parameters))).rows;
  }

  foldTimeCounts(limit: number): Promise<number> {
    return foldDeltas(this.db, this.dialect, limit);
  }

  async insert(payment: NewPayment): Promise<Payment> {
    const startedAt = toMs(payment.startedAt);
    const values = {
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
        tax_free: payment.taxFree,
        vat_amount: payment.vatAmount,
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
        customer_uid: payment.customerUid,
        customer_uid_usage: payment.customerUidUsage,
        user_agent: payment.userAgent,
        request_json: encodePassThrough(payment.passThrough),
        ...cardColumns(EMPTY_CARD),
        bank_code: EMPTY_BANK.bankCode,
        bank_name: EMPTY_BANK.bankName,
        fail_code: null,
        fail_reason: null,
        receipt_url: null,
        started_at: startedAt,
        paid_at: null,
        failed_at: null,
        cancelled_at: null,
        updated_at: startedAt,
    };
    const columns = definedKeys(values);
    const { rows } = await runCompiled(
      this.db,
      this.dialect,
      `payments.insert:${columns.join(',')}`,
      () => this.db.insertInto('payments').values(values).returningAll(),
      columns.map((column) => values[column]),
    );
    return paymentFromRow(rows[0]!);
  }

  async findById(storeId: number, id: number): Promise<Payment | null> {
    const [row] = await this.hotRead('findById', () => this.db.selectFrom('payments').selectAll().where('store_id', '=', storeId).where('id', '=', id), [storeId, id]);
    return row ? paymentFromRow(row) : null;
  }

  /** The store's payment with this PG transaction id, if any (a PG notification names its Tid). */
  async findByPgTid(storeId: number, pgProvider: string, pgTid: string): Promise<Payment | null> {
    const row = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('pg_provider', '=', pgProvider)
      .where('pg_tid', '=', pgTid)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row ? paymentFromRow(row) : null;
  }

  async findByImpUid(storeId: number, impUid: string): Promise<Payment | null> {
    const [row] = await this.hotRead('findByImpUid', () => this.db.selectFrom('payments').selectAll().where('store_id', '=', 0).where('imp_uid', '=', ''), [storeId, impUid]);
    return row ? paymentFromRow(row) : null;
  }

  async versionOf(storeId: number, impUid: string): Promise<{ version: number; sandbox: boolean } | null> {
    const [row] = await this.hotRead('versionOf', () => this.db.selectFrom('payments').select(['row_version', 'sandbox']).where('store_id', '=', 0).where('imp_uid', '=', ''), [storeId, impUid]);
    return row ? { version: Number(row.row_version), sandbox: toBool(row.sandbox) } : null;
  }

  async findByMerchantUid(
    storeId: number,
    merchantUid: string,
    options: { status?: PaymentStatus; sorting?: PaymentSorting } = {},
  ): Promise<Payment | null> {
    let query = this.db
      .selectFrom('payments')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('merchant_uid', '=', merchantUid);
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    const row = await sorted(query, options.sorting ?? '-started')
      .limit(1)
      .executeTakeFirst();
    return row ? paymentFromRow(row) : null;
  }

  async findByImpUids(storeId: number, impUids: readonly string[]): Promise<Payment[]> {
    if (impUids.length === 0) return [];
    const rows = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('imp_uid', 'in', [...impUids])
      .execute();
    return rows.map(paymentFromRow);
  }

  async listByMerchantUid(
    storeId: number,
    merchantUid: string,
    filter: { status?: PaymentStatus; includeSandbox: boolean },
    page: PageRequest,
  ): Promise<PaymentPage> {
    let query = this.db.selectFrom('payments').where('store_id', '=', storeId).where('merchant_uid', '=', merchantUid);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (!filter.includeSandbox) query = query.where('sandbox', '=', 0);
    const [count, rows] = await Promise.all([
      query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      sorted(query.selectAll(), page.sorting).offset(page.offset).limit(page.limit).execute(),
    ]);
    return { total: Number(count.n), payments: rows.map(paymentFromRow) };
  }

  async listByCustomerUid(storeId: number, customerUid: string, filter: { includeSandbox: boolean }, page: PageRequest): Promise<PaymentPage> {
    let query = this.db.selectFrom('payments').where('store_id', '=', storeId).where('customer_uid', '=', customerUid);
    if (!filter.includeSandbox) query = query.where('sandbox', '=', 0);
    const [count, rows] = await Promise.all([
      query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      sorted(query.selectAll(), page.sorting).offset(page.offset).limit(page.limit).execute(),
    ]);
    return { total: Number(count.n), payments: rows.map(paymentFromRow) };
  }

  async listByStatus(
    storeId: number,
    filter: { status: PaymentStatus | 'all'; basis: PaymentTimeBasis; from: Date; to: Date; includeSandbox: boolean },
    page: PageRequest,
  ): Promise<PaymentPage> {
    let query = this.db
      .selectFrom('payments')
      .where('store_id', '=', storeId)
      .where(filter.basis, '>=', toMs(filter.from))
      .where(filter.basis, '<', toMs(filter.to));
    if (filter.status !== 'all') query = query.where('status', '=', filter.status);
    if (!filter.includeSandbox) query = query.where('sandbox', '=', 0);
    // The total and where the page starts come from the per-hour counts (store/payment-time-counts.ts).
    const order = SORTINGS[page.sorting] ?? SORTINGS['-started'];
    const plan = await planByHours(
      this.db,
      (name, build, parameters) => this.hotRead(`list:${name}`, build, parameters),
      { storeId, status: filter.status, basis: filter.basis, fromMs: toMs(filter.from), toMs: toMs(filter.to), includeSandbox: filter.includeSandbox },
      order,
      page.offset,
      page.limit,
    );
    if (plan.start === 'past-end') return { total: plan.total, payments: [] };
    let ids: number[];
    if (plan.start === 'by-offset') {
      // The page's ids are sorted first and only its rows read whole: sorting every matching row
      // whole cost 25 ms at 5,000 payments, the ids alone 2 ms (docs/performance.md).
      ids = (await sorted(query.select('id'), page.sorting).offset(page.offset).limit(page.limit).execute()).map((r) => Number(r.id));
    } else {
      // From the hour the page starts in: the order's time is set on every row read here (it is the
      // window's time, or started_at), so the plain index order serves it.
      // One range per time column: given two upper bounds, SQLite seeks by one and merely filters
      // by the other, walking every row between them.
      const { column, lowMs, highMs, skip, farMs } = plan.start;
      // On the window's own time the plan's range lies within the window already. In started order
      // the window (which holds every payment of the status, the counts said) is checked on each row
      // walked, never sought: written `paid_at + 0`, no index can serve it. Given the index on
      // (store_id, status, paid_at) for it, PostgreSQL without statistics or with a generic plan
      // took that index, then walked and sorted every paid payment for 20 of them (1.5–2.7 s a
      // call at 1,000,000 payments).
      const windowed = column !== filter.basis;
      const read = async (far: number | null) => {
        // One bound a side (farMs lies within lowMs/highMs): SQLite seeks by one of two and filters by the other.
        const low = far !== null && order.direction === 'desc' ? far : lowMs;
        const high = far !== null && order.direction === 'asc' ? far : highMs;
        // Built by Kysely once per shape (hotRead), with placeholder values in the parameters' order.
        const build = () => {
          let q = this.db.selectFrom('payments').select('id').where('store_id', '=', 0);
          if (filter.status !== 'all') q = q.where('status', '=', '');
          if (!filter.includeSandbox) q = q.where('sandbox', '=', 0);
          if (windowed) {
            const windowTime = sql<number>`${sql.ref(filter.basis)} + 0`;
            q = q.where(windowTime, '>=', 0).where(windowTime, '<', 0);
          }
          if (low !== null) q = q.where(column, '>=', 0);
          if (high !== null) q = q.where(column, '<', 0);
          return q.orderBy(column, order.direction).orderBy('id', order.direction).limit(0).offset(0);
        };
        const parameters = [
          storeId,
          ...(filter.status !== 'all' ? [filter.status] : []),
          ...(filter.includeSandbox ? [] : [0]),
          ...(windowed ? [toMs(filter.from), toMs(filter.to)] : []),
          ...(low !== null ? [low] : []),
          ...(high !== null ? [high] : []),
          page.limit,
          skip,
        ];
        const shape = `${column}:${order.direction}:${filter.status === 'all'}:${filter.includeSandbox}:${windowed ? filter.basis : '-'}:${low !== null}:${high !== null}`;
        return (await this.hotRead(`list:page:${shape}`, build, parameters)).map((r) => Number(r.id));
      };
      // Bounded on both sides by the hours the page spans (the counts say where it ends), the range
      // holds a few hours' rows, so no plan can walk more: open on one side, PostgreSQL with
      // statistics and the window written `paid_at + 0` estimated few rows in the window and
      // scanned and sorted every payment (0.8 s). A full page from the bounded range is the page
      // itself (its rows come first in the order); fewer means a change since the counts were read.
      ids = await read(farMs);
      if (ids.length < page.limit && farMs !== null) ids = await read(null);
    }
    // The page's ids first, then their rows by primary key, put back in the ids' order: read as one
    // query with the order again, SQLite walked the store's whole started-time index (130 ms at a
    // million payments) to find 20 ids.
    if (ids.length === 0) return { total: plan.total, payments: [] };
    return { total: plan.total, payments: await this.byIds(storeId, ids) };
  }

  /**
   * The store's payments of these ids, in this order, read by primary key alone (with
   * `store_id = ?` too, SQLite, without statistics, walked the store's index instead). Outside a
   * transaction, the rows' versions are read first and only the payments not kept at that version
   * are read whole (PaymentRowCache).
   */
  private async byIds(storeId: number, ids: number[]): Promise<Payment[]> {
    const read = async (wanted: number[]) =>
      wanted.length === 0 ? [] : this.hotRead(`byIds:rows:${wanted.length}`, () => this.db.selectFrom('payments').selectAll().where('id', 'in', wanted), wanted);
    const byId = new Map<number, Payment>();
    const cache = this.rowCache;
    let wanted = ids;
    if (cache) {
      const versions = await this.hotRead(`byIds:versions:${ids.length}`, () => this.db.selectFrom('payments').select(['id', 'row_version']).where('id', 'in', ids), ids);
      wanted = [];
      for (const row of versions) {
        const kept = cache.get(Number(row.id), Number(row.row_version));
        if (kept) byId.set(kept.id, kept);
        else wanted.push(Number(row.id));
      }
    }
    for (const row of await read(wanted)) {
      const payment = paymentFromRow(row);
      byId.set(payment.id, cache ? cache.set(payment.id, Number(row.row_version), payment) : payment);
    }
    return ids.flatMap((id) => {
      const payment = byId.get(id);
      return payment && payment.storeId === storeId ? [payment] : [];
    });
  }

  async findClaim(storeId: number, merchantUid: string): Promise<Payment | null> {
    const [row] = await this.hotRead('findClaim', () => this.db.selectFrom('payments').selectAll().where('store_id', '=', storeId).where('merchant_uid_claim', '=', merchantUid), [
      storeId,
      merchantUid,
    ]);
    return row ? paymentFromRow(row) : null;
  }

  async apply(storeId: number, paymentId: number, decision: AcceptedDecision): Promise<ApplyResult> {
    const work = async (db: Kysely<Database>): Promise<ApplyResult> => {
      const { changes, expect } = decision;
      const set = changeColumns(changes);
      const columns = definedKeys(set);
      const take = changes.claim === 'take';
      const {
        rows: [row],
      } = await runCompiled(
        db,
        this.dialect,
        `payments.apply:${columns.join(',')}:${take}`,
        () =>
          db
            .updateTable('payments')
            .set((eb) => ({ ...set, ...(take ? { merchant_uid_claim: eb.ref('merchant_uid') } : {}) }))
            .where('id', '=', paymentId)
            .where('store_id', '=', storeId)
            .where('status', '=', expect.status)
            .where('approval_state', '=', expect.approvalState)
            .where('approval_unverified', '=', fromBool(expect.approvalUnverified))
            .returningAll(),
        [...columns.map((column) => set[column]), paymentId, storeId, expect.status, expect.approvalState, fromBool(expect.approvalUnverified)],
      );
      if (!row) return { ok: false, reason: 'state' };
      const payment = paymentFromRow(row);
      for (const event of decision.events) {
        const values = {
          store_id: storeId,
          payment_id: paymentId,
          type: event.type,
          imp_uid: event.impUid,
          merchant_uid: event.merchantUid,
          status: event.status,
          occurred_at: toMs(event.occurredAt),
          cancellation_id: event.cancellationId ?? null,
        };
        await runCompiled(db, this.dialect, 'payment_events.insert', () => db.insertInto('payment_events').values(values), Object.values(values));
      }
      return { ok: true, payment, events: decision.events };
    };
    try {
      const result = this.inTransaction ? await this.inSavepoint(() => work(this.db)) : await this.db.transaction().execute((trx) => work(trx));
      // The events are the webhook outbox: wake its worker once they are committed.
      if (result.ok && result.events.length > 0) this.outbox.written();
      return result;
    } catch (error) {
      // Another payment of this merchant_uid holds the claim (requested, unknown or paid).
      if (decision.changes.claim === 'take' && isUniqueViolation(error)) return { ok: false, reason: 'claim' };
      throw error;
    }
  }

  async listReconcileDue(now: Date, limit: number): Promise<Payment[]> {
    const rows = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('reconcile_after', 'is not', null)
      .where('reconcile_after', '<=', toMs(now))
      .orderBy('reconcile_after')
      .limit(limit)
      .execute();
    return rows.map(paymentFromRow);
  }

  async listVbankExpired(before: Date, limit: number): Promise<Payment[]> {
    const rows = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('status', '=', 'ready')
      .where('vbank_date', '<', toMs(before))
      .where('approval_state', '=', 'approved')
      .where('pay_method', '=', 'vbank')
      .orderBy('vbank_date')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(paymentFromRow);
  }

  async listPaidCardChecks(paidFrom: Date, paidBefore: Date, limit: number): Promise<Payment[]> {
    // Read through the partial index payments_paid_card_checks_idx (0014): its two conditions are
    // written as literals, so a plan made before the values are known (SQLite's prepare,
    // PostgreSQL's generic plan) can still prove the index applies. SQLite, having no statistics,
    // would otherwise take payments_status_vbank_date_idx for `status = 'paid'` and walk every paid
    // payment (0.73 s at a million, the event loop blocked meanwhile), so it is named there.
    const rows =
      this.dialect === 'sqlite'
        ? (
            await sql<Selectable<PaymentsTable>>`select * from payments indexed by payments_paid_card_checks_idx
              where customer_uid_usage = 'payment.check' and status = 'paid' and paid_at >= ${toMs(paidFrom)} and paid_at < ${toMs(paidBefore)}
              order by paid_at, id limit ${limit}`.execute(this.db)
          ).rows
        : await this.db
            .selectFrom('payments')
            .selectAll()
            .where('customer_uid_usage', '=', sql.lit('payment.check'))
            .where('status', '=', sql.lit('paid'))
            .where('paid_at', '>=', toMs(paidFrom))
            .where('paid_at', '<', toMs(paidBefore))
            .orderBy('paid_at')
            .orderBy('id')
            .limit(limit)
            .execute();
    return rows.map(paymentFromRow);
  }

  async listInApproval(storeId: number): Promise<Payment[]> {
    const rows = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('store_id', '=', storeId)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'ready'), eb('approval_state', 'in', ['requested', 'unknown'])]),
          eb('approval_unverified', '=', 1),
        ]),
      )
      .orderBy('id')
      .execute();
    return rows.map(paymentFromRow);
  }

  async eventsOf(storeId: number, paymentId: number): Promise<StoredPaymentEvent[]> {
    const rows = await this.db
      .selectFrom('payment_events')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('payment_id', '=', paymentId)
      .orderBy('id')
      .execute();
    return rows.map(paymentEventFromRow);
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
