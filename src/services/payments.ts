import type { Cancellation } from '../domain/cancellations';
import { AppError, invalidParameter } from '../domain/errors';
import type { Payment, PaymentStatus } from '../domain/payment';
import type { PaymentPage, PaymentSorting, PaymentTimeBasis, Store } from '../store/types';
import type { ServiceDeps } from './deps';

export interface LookupOptions {
  /** When false, payments made through a test channel are treated as absent (V1 since 2026-01-26). */
  includeSandbox: boolean;
}

/** Page size limits of V1's lists. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;
/** The highest `page` read (beyond it no store has rows; it keeps offsets far from integer limits). */
export const MAX_PAGE = 1_000_000_000;
/** The latest `from`/`to` accepted: 9999-12-31T23:59:59Z in UNIX seconds (later is no date). */
export const MAX_UNIX_SECONDS = 253_402_300_799;
/** V1's `GET /payments` takes at most 100 imp_uids and merchant_uids together. */
export const MAX_MULTI_LOOKUP = 100;
/** The longest `from`–`to` window of `GET /payments/status` (V1: 90 days). */
export const STATUS_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;

/** The time each status list is about (V1): when it started, was paid, failed or was cancelled. */
export const STATUS_TIME_BASIS: Record<PaymentStatus | 'all', PaymentTimeBasis> = {
  all: 'started_at',
  ready: 'started_at',
  paid: 'paid_at',
  failed: 'failed_at',
  cancelled: 'cancelled_at',
};

/** Which page of a V1 list: 1-based `page`, `limit` rows. */
export interface PageQuery {
  page?: number;
  limit?: number;
  sorting?: PaymentSorting;
}

/** One page of a V1 list with V1's neighbours: `previous`/`next` page numbers, 0 for none. */
export interface ListPage {
  total: number;
  previous: number;
  next: number;
  payments: PaymentWithCancels[];
}

/** A payment with its cancels (V1 `cancel_history`) and whether it has a cash receipt, as the REST answers show it. */
export interface PaymentWithCancels {
  payment: Payment;
  cancellations: Cancellation[];
  /** V1 `cash_receipt_issued`: a receipt issued through the API and not cancelled. */
  cashReceiptIssued?: boolean;
}

/** Payments with their cancels, in one query for all of them. */
export async function withCancels(store: Pick<Store, 'cancellations' | 'receipts'>, payments: readonly Payment[]): Promise<PaymentWithCancels[]> {
  const storeId = payments[0]?.storeId;
  if (storeId === undefined) return [];
  // Only final cancels are shown, and a payment without one has nothing to load (most of them);
  // only paid transfers and virtual accounts can have a cash receipt (services/receipts.ts).
  const cancelled = payments.filter((p) => p.cancelAmount > 0).map((p) => p.id);
  const receiptable = payments.filter((p) => (p.payMethod === 'trans' || p.payMethod === 'vbank') && p.paidAt !== null).map((p) => p.id);
  const [all, withReceipt] = await Promise.all([
    cancelled.length > 0 ? store.cancellations.listByPayments(storeId, cancelled) : Promise.resolve([]),
    receiptable.length > 0 ? store.receipts.listPaymentIdsWithIssued(storeId, receiptable) : Promise.resolve([] as number[]),
  ]);
  return payments.map((payment) => ({
    payment,
    cancellations: all.filter((c) => c.paymentId === payment.id),
    cashReceiptIssued: withReceipt.includes(payment.id),
  }));
}

/** Reading payments for the V1 REST API. Every lookup is scoped to the caller's store. */
export class PaymentQueryService {
  constructor(private readonly deps: ServiceDeps) {}

  async getByImpUid(storeId: number, impUid: string, options: LookupOptions): Promise<PaymentWithCancels> {
    const payment = visible(await this.deps.store.payments.findByImpUid(storeId, impUid), options);
    return (await withCancels(this.deps.store, [payment]))[0]!;
  }

  /** Folds up to `limit` changes of the status lists' per-hour counts (jobs/time-counts.ts); returns how many. */
  foldListCounts(limit: number): Promise<number> {
    return this.deps.store.payments.foldTimeCounts(limit);
  }

  /**
   * The version of the payment's answer (see `PaymentRepository.versionOf`), or null when it is
   * not found or not visible with these options — the caller then takes the full path, which
   * answers the error.
   */
  async answerVersion(storeId: number, impUid: string, options: LookupOptions): Promise<number | null> {
    const found = await this.deps.store.payments.versionOf(storeId, impUid);
    if (!found || (found.sandbox && !options.includeSandbox)) return null;
    return found.version;
  }

  async findByMerchantUid(
    storeId: number,
    merchantUid: string,
    filter: { status?: PaymentStatus; sorting?: PaymentSorting },
    options: LookupOptions,
  ): Promise<PaymentWithCancels> {
    const payment = visible(await this.deps.store.payments.findByMerchantUid(storeId, merchantUid, filter), options);
    return (await withCancels(this.deps.store, [payment]))[0]!;
  }

  /**
   * `GET /payments/{imp_uid}/balance`: V1 answers PAYCO's balance breakdown, and no connector of
   * gyeol reaches PAYCO, so a found payment gets BALANCE_NOT_SUPPORTED (never a made-up balance).
   */
  async balance(storeId: number, impUid: string, options: LookupOptions): Promise<never> {
    const { payment } = await this.getByImpUid(storeId, impUid, options);
    throw new AppError('BALANCE_NOT_SUPPORTED', {
      message: `결제 잔액 조회는 PAYCO 결제건만 지원합니다. 이 결제의 PG사(${payment.pgProvider})는 잔액 조회를 지원하지 않습니다.`,
    });
  }

  /**
   * `GET /payments?imp_uid[]=…&merchant_uid[]=…`: the payments found, imp_uids first, each in the
   * order asked (a merchant_uid gives its latest started payment, as `find` does); `complete`
   * false when some were not found. None found: 404.
   */
  async findMany(
    storeId: number,
    uids: { impUids: readonly string[]; merchantUids: readonly string[] },
    options: LookupOptions,
  ): Promise<{ payments: PaymentWithCancels[]; complete: boolean }> {
    const asked = uids.impUids.length + uids.merchantUids.length;
    if (asked === 0) throw invalidParameter([{ field: 'imp_uid', rule: 'imp_uid[] 또는 merchant_uid[]를 하나 이상 입력해야 합니다' }]);
    if (asked > MAX_MULTI_LOOKUP) {
      throw invalidParameter([{ field: 'imp_uid', rule: `imp_uid[]와 merchant_uid[]는 합해서 최대 ${MAX_MULTI_LOOKUP}개까지 조회할 수 있습니다` }]);
    }
    const byImpUid = new Map(
      (await this.deps.store.payments.findByImpUids(storeId, [...new Set(uids.impUids)])).map((p) => [p.impUid, p] as const),
    );
    const found: (Payment | null)[] = uids.impUids.map((impUid) => byImpUid.get(impUid) ?? null);
    for (const merchantUid of uids.merchantUids) {
      found.push(await this.deps.store.payments.findByMerchantUid(storeId, merchantUid));
    }
    const payments = found.filter((p): p is Payment => p !== null && (!p.sandbox || options.includeSandbox));
    if (payments.length === 0) throw new AppError('PAYMENT_NOT_FOUND');
    return { payments: await withCancels(this.deps.store, payments), complete: payments.length === asked };
  }

  /** `GET /payments/findAll/{merchant_uid}[/{status}]`: every payment of the order, paged; 404 when none. */
  async listByMerchantUid(
    storeId: number,
    merchantUid: string,
    filter: { status?: PaymentStatus },
    query: PageQuery,
    options: LookupOptions,
  ): Promise<ListPage> {
    const { page, limit, sorting } = pageOf(query);
    const found = await this.deps.store.payments.listByMerchantUid(
      storeId,
      merchantUid,
      { status: filter.status, includeSandbox: options.includeSandbox },
      { sorting, offset: (page - 1) * limit, limit },
    );
    if (found.total === 0) throw new AppError('PAYMENT_NOT_FOUND');
    return this.paged(found, page, limit);
  }

  /**
   * `GET /subscribe/customers/{customer_uid}/payments`: the payments that issued or charged the
   * key, newest first, paged (V1 gives only `page`: 20 a page, as V1's lists by default). 404
   * only when gyeol knows nothing of the customer_uid — neither a registered key nor a payment —
   * so a deleted customer's payments stay listed.
   */
  async listByCustomerUid(storeId: number, customerUid: string, query: { page?: number }, options: LookupOptions): Promise<ListPage> {
    const { page, limit, sorting } = pageOf({ page: query.page });
    const found = await this.deps.store.payments.listByCustomerUid(storeId, customerUid, { includeSandbox: options.includeSandbox }, { sorting, offset: (page - 1) * limit, limit });
    if (found.total === 0 && !(await this.deps.store.billingCustomers.find(storeId, customerUid))) throw new AppError('CUSTOMER_NOT_FOUND');
    return this.paged(found, page, limit);
  }

  /**
   * `GET /payments/status/{status}`: the store's payments of a status whose status time (V1's
   * basis: started for `all` and `ready`, else paid, failed or cancelled) lies in
   * [`from`, `to`] (UNIX seconds, both inclusive); `to` defaults to now, `from` to 90 days before `to`.
   */
  async listByStatus(
    storeId: number,
    status: PaymentStatus | 'all',
    window: { from?: number; to?: number },
    query: PageQuery,
    options: LookupOptions,
  ): Promise<ListPage> {
    const { page, limit, sorting } = pageOf(query);
    const toMs = window.to !== undefined ? window.to * 1000 : this.deps.clock.now().getTime();
    const fromMs = window.from !== undefined ? window.from * 1000 : toMs - STATUS_WINDOW_MS;
    if (fromMs > toMs) throw invalidParameter([{ field: 'from', rule: 'to보다 늦을 수 없습니다' }]);
    if (toMs - fromMs > STATUS_WINDOW_MS) throw invalidParameter([{ field: 'from', rule: 'from과 to 사이는 최대 90일까지 조회할 수 있습니다' }]);
    const found = await this.deps.store.payments.listByStatus(
      storeId,
      // `to` is a whole second: every millisecond of it is in the window.
      { status, basis: STATUS_TIME_BASIS[status], from: new Date(fromMs), to: new Date(toMs + 1000), includeSandbox: options.includeSandbox },
      { sorting, offset: (page - 1) * limit, limit },
    );
    return this.paged(found, page, limit);
  }

  /** V1's paged answer; a page past the last one (page 1 always exists) is a 400, as V1 answers. */
  private async paged(found: PaymentPage, page: number, limit: number): Promise<ListPage> {
    const lastPage = Math.max(1, Math.ceil(found.total / limit));
    if (page > lastPage) throw invalidParameter([{ field: 'page', rule: `조회 가능한 범위를 벗어났습니다 (마지막 페이지: ${lastPage})` }]);
    const payments = await withCancels(this.deps.store, found.payments);
    return { total: found.total, previous: page > 1 ? page - 1 : 0, next: page < lastPage ? page + 1 : 0, payments };
  }
}

function pageOf(query: PageQuery): { page: number; limit: number; sorting: PaymentSorting } {
  return { page: query.page ?? 1, limit: query.limit ?? DEFAULT_PAGE_SIZE, sorting: query.sorting ?? '-started' };
}

function visible(payment: Payment | null, options: LookupOptions): Payment {
  if (!payment || (payment.sandbox && !options.includeSandbox)) throw new AppError('PAYMENT_NOT_FOUND');
  return payment;
}
