/**
 * Scheduled payments (V1 `/subscribe/payments/schedule`, issue 9): the endpoints' rules and the
 * runs. A run charges the schedule's billing key through the one BillingCharger (the same rules
 * and pipeline as `/subscribe/payments/again`), with `customer_uid_usage: "payment.scheduled"`
 * and the schedule's notice_url, so its webhook goes there (else to the store's URL).
 *
 * Exactly once rests on three things (README "Scheduled payments"):
 * 1. a run is taken with one conditional update (`scheduled` → `running` under a lease), so two
 *    schedulers never take the same schedule;
 * 2. a run taken over after its lease ran out (its scheduler died) first looks for a payment it
 *    may already have made — a payment of the order above the run's floor (the highest payment id
 *    of the order when the run began) — and records that one instead of charging again;
 * 3. below both, the charge itself is idempotent on merchant_uid: the approvals claim refuses a
 *    second charge of an order that is paid or being charged, and Smartro answers a repeated
 *    order on a key with its first answer.
 */
import { randomBytes } from 'node:crypto';
import { unixSeconds } from '../domain/clock';
import { AppError, invalidParameter, type FieldViolation } from '../domain/errors';
import { fromMinorUnits, isCurrency, toMinorUnits, MAX_MINOR_UNITS, type Currency } from '../domain/money';
import { CARD_CHECK_CANCEL_REASON, type Payment } from '../domain/payment';
import { approvalOpen } from '../domain/payment-transitions';
import {
  MAX_SCHEDULES_PER_REQUEST,
  RERUNNABLE_STATUSES,
  SCHEDULE_WINDOW_MS,
  statusesOfV1,
  type NewPaymentSchedule,
  type PaymentSchedule,
  type V1ScheduleStatus,
} from '../domain/schedules';
import type { BillingCharger } from './billing-charges';
import type { CancelService } from './cancels';
import type { ServiceDeps } from './deps';
import { DEFAULT_PAGE_SIZE, MAX_UNIX_SECONDS } from './payments';

/** One schedule of `POST /subscribe/payments/schedule` as the route read it (wire values, numbers coerced). */
export interface ScheduleItem {
  merchantUid: string;
  /** UNIX seconds. */
  scheduleAt: number;
  amount: number;
  currency?: string;
  taxFree?: number;
  vatAmount?: number;
  name?: string;
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
  buyerAddr?: string;
  buyerPostcode?: string;
  customData?: unknown;
  noticeUrl?: string | string[];
  /** The schedule's other V1 fields the charge takes as they are (`card_quota`, `product_type`, `bypass`, …). */
  chargeFields: Record<string, unknown>;
}

/** `POST /subscribe/payments/schedule` as the route read it. */
export interface ScheduleCommand {
  customerUid: string;
  customerId?: string;
  /** A test charge cancelled at once (V1); 0 or absent means none. */
  checkingAmount?: number;
  /** Whether card data (card_number, expiry, birth, pwd_2digit, cvc) came with it: V1's issue-then-schedule. */
  cardDataGiven: boolean;
  channelKey?: string;
  schedules: ScheduleItem[];
}

/** A schedule with the payment of its latest run (null before a run made one), as V1 answers show it. */
export interface ScheduleView {
  schedule: PaymentSchedule;
  payment: Payment | null;
}

export interface SchedulePageView {
  total: number;
  previous: number;
  next: number;
  list: ScheduleView[];
}

export interface ScheduleSettings {
  /**
   * How long a run is held by the scheduler (or retry call) that took it; after that another one
   * takes it over. Longer than a charge can take (the PG timeout), so a live run is never taken over.
   */
  leaseMs: number;
  /** How soon a run whose payment is still open (the PG's answer unknown) is looked at again. */
  openRecheckMs: number;
}

/** How a pass of the scheduler went. */
export interface RunDueResult {
  taken: number;
  executed: number;
  failed: number;
  /** Runs whose payment is still open: they are looked at again later. */
  open: number;
}

/** What V1's schedule lists take (the range list's and the customer lists' names differ: the routes map them). */
export interface ScheduleListQuery {
  /** UNIX seconds; the window is [from, to). */
  from: number;
  to: number;
  status?: V1ScheduleStatus;
  page?: number;
  limit?: number;
}

const CARD_DATA_NOT_SUPPORTED =
  '카드정보로 빌링키를 발급하며 결제예약하는 기능(card_number, expiry, birth 등)은 지원하지 않습니다. gyeol의 PG(스마트로 smartro_v2)는 API 방식 빌링키 발급을 지원하지 않으니, 결제창(IMP.request_pay)으로 빌링키를 발급한 뒤 그 customer_uid로 결제예약해 주세요.';
/** The order name of a card check (`checking_amount`), as the card statement and GET /payments show it. */
export const CARD_CHECK_NAME = '유효카드 체크 승인';

/** The scheduler's defaults: a run is held for two PG timeouts and half a minute; an open run is looked at again after 5 s. */
export function defaultScheduleSettings(pgTimeoutMs: number): ScheduleSettings {
  return { leaseMs: pgTimeoutMs * 2 + 30_000, openRecheckMs: 5_000 };
}

type RunMode = { kind: 'scheduled' } | { kind: 'retry'; before: PaymentSchedule };

export class ScheduleService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly charger: BillingCharger,
    private readonly settings: ScheduleSettings,
    /** Cancels the card check of `checking_amount` (the one cancel path, CancelService). */
    private readonly cancels: Pick<CancelService, 'cancel'>,
  ) {}

  // ---- the endpoints ---------------------------------------------------------------------------

  /**
   * `POST /subscribe/payments/schedule`: checks every schedule as its run would be charged
   * (BillingCharger.check), so a schedule that can never run is refused now; with a
   * `checking_amount`, then charges that much to the key and cancels it at once (the card check,
   * see {@link checkCard}); then stores all of them or none.
   * @throws AppError PG_FEATURE_NOT_SUPPORTED (card data), SCHEDULE_CUSTOMER_NOT_FOUND,
   *   INVALID_PARAMETER naming `schedules[i].field` or `checking_amount`, SCHEDULE_ALREADY_EXISTS,
   *   what the charger's check throws, or the card check's refusals (SCHEDULE_CARD_CHECK_DECLINED,
   *   PG_TIMEOUT, CANCEL_REFUSED)
   */
  async schedule(storeId: number, command: ScheduleCommand): Promise<ScheduleView[]> {
    if (command.cardDataGiven) throw new AppError('PG_FEATURE_NOT_SUPPORTED', { field: 'card_number', message: CARD_DATA_NOT_SUPPORTED });
    const customer = await this.deps.store.billingCustomers.find(storeId, command.customerUid);
    if (!customer) throw new AppError('SCHEDULE_CUSTOMER_NOT_FOUND', { field: 'customer_uid' });
    if (command.schedules.length === 0) throw invalidParameter([{ field: 'schedules', rule: '예약할 결제를 하나 이상 입력해야 합니다' }]);
    if (command.schedules.length > MAX_SCHEDULES_PER_REQUEST) {
      throw invalidParameter([{ field: 'schedules', rule: `한 번에 최대 ${MAX_SCHEDULES_PER_REQUEST}건까지 예약할 수 있습니다` }]);
    }

    const now = this.deps.clock.now();
    const violations: FieldViolation[] = [];
    // V1: 0 (or none) checks nothing; the check is charged in KRW whatever the schedules' currency.
    const checkingAmount = command.checkingAmount === undefined ? 0 : minorOf(command.checkingAmount, 'KRW', 'checking_amount', violations);
    const seen = new Set<string>();
    const fresh: NewPaymentSchedule[] = [];
    command.schedules.forEach((item, i) => {
      const at = (field: string) => `schedules[${i}].${field}`;
      if (seen.has(item.merchantUid)) violations.push({ field: at('merchant_uid'), rule: '한 요청 안에서 같은 주문번호를 두 번 예약할 수 없습니다' });
      seen.add(item.merchantUid);
      const scheduleAt = this.scheduleAtOf(item.scheduleAt, at('schedule_at'), violations);
      const currency = item.currency ?? 'KRW';
      if (!isCurrency(currency)) {
        violations.push({ field: at('currency'), rule: '지원하지 않는 통화입니다' });
        return;
      }
      const amount = minorOf(item.amount, currency, at('amount'), violations);
      const taxFree = item.taxFree === undefined ? null : minorOf(item.taxFree, currency, at('tax_free'), violations);
      const vatAmount = item.vatAmount === undefined ? null : minorOf(item.vatAmount, currency, at('vat_amount'), violations);
      if (scheduleAt === null || amount === null) return;
      const noticeUrl = item.noticeUrl === undefined ? null : typeof item.noticeUrl === 'string' ? item.noticeUrl : JSON.stringify(item.noticeUrl);
      // V1: missing buyer_* are taken from the billing customer's customer_* (buyer_* win when both are given).
      fresh.push({
        storeId,
        merchantUid: item.merchantUid,
        customerUid: command.customerUid,
        customerId: command.customerId ?? customer.customerId,
        scheduleAt,
        amount,
        currency,
        taxFree: taxFree ?? null,
        vatAmount: vatAmount ?? null,
        name: item.name ?? null,
        buyerName: item.buyerName ?? customer.customerName,
        buyerEmail: item.buyerEmail ?? customer.customerEmail,
        buyerTel: item.buyerTel ?? customer.customerTel,
        buyerAddr: item.buyerAddr ?? customer.customerAddr,
        buyerPostcode: item.buyerPostcode ?? customer.customerPostcode,
        customData: item.customData === undefined || item.customData === null ? null : typeof item.customData === 'string' ? item.customData : JSON.stringify(item.customData),
        noticeUrl,
        chargeFields: { ...item.chargeFields, ...(command.channelKey !== undefined ? { channel_key: command.channelKey } : {}) },
        createdAt: now,
      });
    });
    if (violations.length > 0) throw invalidParameter(violations);

    const taken = await this.deps.store.schedules.findMany(storeId, fresh.map((s) => s.merchantUid));
    if (taken.length > 0) throw alreadyScheduled(taken[0]!.merchantUid);
    // Every schedule as its run will be charged: a schedule that can never run is refused now.
    for (const [i, schedule] of fresh.entries()) {
      try {
        await this.charger.check(storeId, chargeBodyOf(schedule));
      } catch (err) {
        throw err instanceof AppError ? withinSchedule(err, i) : err;
      }
    }
    if (checkingAmount !== null && checkingAmount > 0) {
      const body = cardCheckBodyOf(fresh[0]!, checkingAmount);
      try {
        await this.charger.check(storeId, body);
      } catch (err) {
        throw err instanceof AppError ? withinCardCheck(err) : err;
      }
      await this.checkCard(storeId, body);
    }
    const inserted = await this.deps.store.schedules.insertMany(fresh);
    if (!inserted.ok) throw alreadyScheduled(inserted.merchantUid);
    this.deps.logger.info({ storeId, customerUid: command.customerUid, merchantUids: fresh.map((s) => s.merchantUid) }, 'payments scheduled');
    return inserted.schedules.map((schedule) => ({ schedule, payment: null }));
  }

  /**
   * The card check of `checking_amount` (V1: "카드정상결제여부 체크용 금액. 결제 직후 자동으로
   * 취소됩니다"): charges the key through the one BillingCharger (`customer_uid_usage`
   * `payment.check`: no webhook; V1 shows `payment`) and cancels the payment in full through
   * CancelService. Returns when the card is proven and the charge cancelled (or its cancel is
   * being re-sent by the cancel reconciler); anything else refuses the request, which then stores
   * no schedule.
   * @throws AppError SCHEDULE_CARD_CHECK_DECLINED (the card company said no: its fail_reason),
   *   PG_TIMEOUT (the PG's answer unknown: the reconciler settles the check and cancels it if it was
   *   approved), CANCEL_REFUSED (approved but the PG refused the cancel: the merchant is told to
   *   cancel that imp_uid), or the charge's own refusals naming `checking_amount`
   */
  private async checkCard(storeId: number, body: Record<string, unknown>): Promise<void> {
    let payment: Payment;
    try {
      payment = await this.charger.charge(storeId, body, { usage: 'payment.check', buyerIp: null });
    } catch (err) {
      throw err instanceof AppError ? withinCardCheck(err) : err;
    }
    const log = { storeId, customerUid: body.customer_uid, impUid: payment.impUid, merchantUid: payment.merchantUid, status: payment.status };
    if (payment.status === 'failed') {
      // An unsigned "no" is double-checked by the reconciler, which cancels the check if it was a yes after all.
      this.deps.logger.info(log, 'card check declined: nothing scheduled');
      throw new AppError('SCHEDULE_CARD_CHECK_DECLINED', {
        field: 'checking_amount',
        message: `checking_amount: 유효카드 체크 승인이 거절되어 결제예약을 저장하지 않았습니다. (imp_uid: ${payment.impUid}) ${payment.failReason ?? ''}`.trim(),
      });
    }
    if (payment.status === 'ready') {
      this.deps.logger.warn(log, 'card check outcome unknown: nothing scheduled');
      throw new AppError('PG_TIMEOUT', {
        field: 'checking_amount',
        message:
          `checking_amount: PG사의 유효카드 체크 승인 응답을 확인하지 못해 결제예약을 저장하지 않았습니다. ` +
          `같은 승인을 PG사에 다시 확인해, 승인된 것으로 확인되면 자동으로 취소합니다 (imp_uid: ${payment.impUid}). 잠시 후 결제예약을 다시 요청해 주세요.`,
      });
    }
    if (payment.status !== 'paid') return; // cancelled already (the reconciler came first)
    try {
      await this.cancels.cancel(storeId, { impUid: payment.impUid, reason: CARD_CHECK_CANCEL_REASON, enableWebhook: false });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'CANCEL_OUTCOME_UNKNOWN') {
        // The card is proven; the cancel reconciler re-sends the same cancel until the PG answers.
        this.deps.logger.warn({ ...log, err: err.message }, 'card check cancel outcome unknown: re-sent by the cancel reconciler');
        return;
      }
      this.deps.logger.error({ ...log, code: err.code, err: err.message }, 'card check approved but not cancelled: nothing scheduled');
      throw new AppError('CANCEL_REFUSED', {
        field: 'checking_amount',
        message:
          `checking_amount: 유효카드 체크 승인(imp_uid: ${payment.impUid})은 승인되었으나 자동 취소에 실패해 결제예약을 저장하지 않았습니다 (${err.message}). ` +
          `POST /payments/cancel로 이 결제를 취소한 뒤 다시 요청해 주세요.`,
      });
    }
    this.deps.logger.info(log, 'card check approved and cancelled');
  }

  /**
   * `POST /subscribe/payments/unschedule`: revokes the waiting schedules of the customer and/or of
   * the merchant_uids (either alone selects all of its schedules). A schedule being run, run or
   * revoked already is left as it is.
   * @throws AppError INVALID_PARAMETER (neither given), UNSCHEDULE_NOT_FOUND (nothing revoked)
   */
  async unschedule(storeId: number, filter: { customerUid?: string; merchantUids?: readonly string[] }): Promise<ScheduleView[]> {
    const merchantUids = filter.merchantUids && filter.merchantUids.length > 0 ? [...new Set(filter.merchantUids)] : undefined;
    if (filter.customerUid === undefined && merchantUids === undefined) {
      throw invalidParameter([{ field: 'customer_uid', rule: 'customer_uid 또는 merchant_uid 중 하나 이상을 입력해야 합니다' }]);
    }
    const revoked = await this.deps.store.schedules.revoke(storeId, { customerUid: filter.customerUid, merchantUids }, this.deps.clock.now());
    if (revoked.length === 0) throw new AppError('UNSCHEDULE_NOT_FOUND');
    this.deps.logger.info({ storeId, merchantUids: revoked.map((s) => s.merchantUid) }, 'payment schedules revoked');
    return revoked.map((schedule) => ({ schedule, payment: null }));
  }

  /** @throws AppError SCHEDULE_NOT_FOUND */
  async get(storeId: number, merchantUid: string): Promise<ScheduleView> {
    const schedule = await this.deps.store.schedules.find(storeId, merchantUid);
    if (!schedule) throw new AppError('SCHEDULE_NOT_FOUND');
    return (await this.withPayments(storeId, [schedule]))[0]!;
  }

  /**
   * `GET /subscribe/payments/schedule`: the store's schedules with `schedule_at` in [from, to)
   * (at most 3 months), newest first or, with `sorting: "scheduled"`, oldest first; paged.
   */
  async listByRange(storeId: number, query: ScheduleListQuery & { sorting?: 'scheduled' | '-scheduled' }): Promise<SchedulePageView> {
    return this.list(storeId, query, { order: query.sorting === 'scheduled' ? 'asc' : 'desc', fields: { from: 'schedule_from', to: 'schedule_to' } });
  }

  /** `GET /subscribe/payments/schedule/customers/{customer_uid}` and `/subscribe/customers/{customer_uid}/schedules`: newest first, paged. */
  async listByCustomer(storeId: number, customerUid: string, query: ScheduleListQuery): Promise<SchedulePageView> {
    return this.list(storeId, query, { order: 'desc', customerUid, fields: { from: 'from', to: 'to' } });
  }

  /**
   * `PUT /subscribe/payments/schedule/{merchant_uid}`: a new `schedule_at` for a schedule that
   * is still waiting.
   * @throws AppError SCHEDULE_NOT_FOUND, INVALID_PARAMETER (in the past), SCHEDULE_NOT_MODIFIABLE (run, being run or revoked)
   */
  async update(storeId: number, merchantUid: string, scheduleAtSeconds: number): Promise<ScheduleView> {
    const current = await this.deps.store.schedules.find(storeId, merchantUid);
    if (!current) throw new AppError('SCHEDULE_NOT_FOUND');
    if (current.status !== 'scheduled') throw notModifiable(current);
    const violations: FieldViolation[] = [];
    const scheduleAt = this.scheduleAtOf(scheduleAtSeconds, 'schedule_at', violations);
    if (scheduleAt === null) throw invalidParameter(violations);
    const moved = await this.deps.store.schedules.moveScheduled(storeId, merchantUid, scheduleAt, this.deps.clock.now());
    if (!moved) throw notModifiable((await this.deps.store.schedules.find(storeId, merchantUid)) ?? current);
    return { schedule: moved, payment: null };
  }

  /**
   * `POST /subscribe/payments/schedule/{merchant_uid}/reschedule`: a failed or revoked schedule
   * waits again for a new `schedule_at` (checked again as its run will be charged).
   * @throws AppError SCHEDULE_NOT_FOUND, SCHEDULE_NOT_RERUNNABLE, INVALID_PARAMETER, SCHEDULE_CUSTOMER_NOT_FOUND, or the charger's check
   */
  async reschedule(storeId: number, merchantUid: string, scheduleAtSeconds: number): Promise<ScheduleView> {
    const current = await this.rerunnable(storeId, merchantUid);
    const violations: FieldViolation[] = [];
    const scheduleAt = this.scheduleAtOf(scheduleAtSeconds, 'schedule_at', violations);
    if (scheduleAt === null) throw invalidParameter(violations);
    if (!(await this.deps.store.billingCustomers.find(storeId, current.customerUid))) throw new AppError('SCHEDULE_CUSTOMER_NOT_FOUND', { field: 'customer_uid' });
    await this.charger.check(storeId, chargeBodyOf(current));
    const rescheduled = await this.deps.store.schedules.reschedule(storeId, merchantUid, scheduleAt, this.deps.clock.now());
    if (!rescheduled) throw notRerunnable((await this.deps.store.schedules.find(storeId, merchantUid)) ?? current);
    this.deps.logger.info({ storeId, merchantUid, scheduleAt }, 'payment rescheduled');
    return { schedule: rescheduled, payment: null };
  }

  /**
   * `POST /subscribe/payments/schedule/{merchant_uid}/retry`: charges a failed or revoked schedule
   * now, as its run would, and answers the payment (V1: inspect its `status`). A refusal before
   * the PG (the billing key is gone, …) changes nothing and is thrown as the charge threw it.
   * @throws AppError SCHEDULE_NOT_FOUND, SCHEDULE_NOT_RERUNNABLE, or what the charge throws
   */
  async retry(storeId: number, merchantUid: string): Promise<Payment> {
    const before = await this.rerunnable(storeId, merchantUid);
    const now = this.deps.clock.now();
    const token = newLeaseToken();
    const taken = await this.deps.store.schedules.takeForRetry(storeId, merchantUid, now, { token, until: new Date(now.getTime() + this.settings.leaseMs) });
    if (!taken) throw notRerunnable((await this.deps.store.schedules.find(storeId, merchantUid)) ?? before);
    const { payment } = await this.run(taken, token, { kind: 'retry', before });
    // A retry that reached no payment threw above.
    return payment as Payment;
  }

  // ---- the runs --------------------------------------------------------------------------------

  /**
   * One pass of the scheduler: takes up to `limit` due schedules (and runs whose lease ran out)
   * and runs them at once. Several instances may pass at the same moment: each schedule is taken
   * by one of them.
   */
  async runDue(limit: number): Promise<RunDueResult> {
    const now = this.deps.clock.now();
    const token = newLeaseToken();
    const taken = await this.deps.store.schedules.takeDue(now, limit, { token, until: new Date(now.getTime() + this.settings.leaseMs) });
    const result: RunDueResult = { taken: taken.length, executed: 0, failed: 0, open: 0 };
    const outcomes = await Promise.allSettled(taken.map((schedule) => this.run(schedule, token, { kind: 'scheduled' })));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') {
        // Not a refusal (those are recorded): the database or a bug. The lease runs out and the run is taken again.
        const err = outcome.reason as unknown;
        this.deps.logger.error({ merchantUid: taken[i]!.merchantUid, err: err instanceof Error ? err.message : String(err) }, 'scheduled payment run failed');
        result.open += 1;
        return;
      }
      const status = outcome.value.schedule?.status;
      if (status === 'executed') result.executed += 1;
      else if (status === 'failed') result.failed += 1;
      else result.open += 1;
    });
    return result;
  }

  /**
   * Runs a taken schedule: records the payment this run made already, if there is one (the run was
   * taken over), else charges. Returns the schedule as recorded (null when the lease was lost:
   * whoever holds it records) and the run's payment.
   */
  private async run(taken: PaymentSchedule, token: string, mode: RunMode): Promise<{ schedule: PaymentSchedule | null; payment: Payment | null }> {
    const earlier = await this.paymentOfRun(taken);
    if (earlier) return { schedule: await this.settleWith(taken, token, earlier), payment: earlier };
    let payment: Payment;
    try {
      payment = await this.charger.charge(taken.storeId, chargeBodyOf(taken), { usage: 'payment.scheduled', buyerIp: null });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // A charge may be refused because this run's payment exists after all (a scheduler taken
      // over while still charging) or fail after making one (the PG's answer lost): record that one.
      const made = await this.paymentOfRun(taken);
      if (made) {
        const schedule = await this.settleWith(taken, token, made);
        if (mode.kind === 'retry') throw err;
        return { schedule, payment: made };
      }
      if (mode.kind === 'retry') {
        await this.deps.store.schedules.release(mode.before, token, this.deps.clock.now());
        throw err;
      }
      this.deps.logger.warn({ storeId: taken.storeId, merchantUid: taken.merchantUid, code: err.code, err: err.message }, 'scheduled payment refused before the PG');
      const now = this.deps.clock.now();
      const failed = await this.deps.store.schedules.finish(taken, token, { status: 'failed', paymentId: null, impUid: null, executedAt: now, failReason: err.message }, now);
      return { schedule: failed, payment: null };
    }
    return { schedule: await this.settleWith(taken, token, payment), payment };
  }

  /** Records what the run's payment says: paid → executed, declined → failed, open → looked at again later. */
  private async settleWith(taken: PaymentSchedule, token: string, payment: Payment): Promise<PaymentSchedule | null> {
    const now = this.deps.clock.now();
    const schedules = this.deps.store.schedules;
    let recorded: PaymentSchedule | null;
    if (payment.status === 'paid' || payment.status === 'cancelled') {
      recorded = await schedules.finish(taken, token, { status: 'executed', paymentId: payment.id, impUid: payment.impUid, executedAt: payment.paidAt ?? now, failReason: null }, now);
    } else if (payment.status === 'failed' && !payment.approvalUnverified) {
      recorded = await schedules.finish(
        taken,
        token,
        { status: 'failed', paymentId: payment.id, impUid: payment.impUid, executedAt: payment.failedAt ?? now, failReason: payment.failReason },
        now,
      );
    } else {
      // The PG's answer is not known yet (or a decline is being double-checked): the reconciler
      // settles the payment; the run is looked at again after openRecheckMs.
      recorded = await schedules.link(taken, token, { paymentId: payment.id, impUid: payment.impUid }, new Date(now.getTime() + this.settings.openRecheckMs), now);
    }
    if (recorded) this.deps.logger.info({ storeId: taken.storeId, merchantUid: taken.merchantUid, impUid: payment.impUid, status: recorded.status, payment: payment.status }, 'scheduled payment run');
    return recorded;
  }

  /**
   * The payment this run made, if any: a `payment.scheduled` payment of the order and customer
   * above the run's floor. When there are several (charges that raced), the one that counts is a
   * paid one, else one still open, else the latest failed one. A payment the PG was never asked
   * about (created, never claimed) and older than a lease is not one: its charger died before the PG.
   */
  private async paymentOfRun(schedule: PaymentSchedule): Promise<Payment | null> {
    const floor = schedule.runAfterPaymentId ?? 0;
    const { payments } = await this.deps.store.payments.listByMerchantUid(
      schedule.storeId,
      schedule.merchantUid,
      { includeSandbox: true },
      { sorting: '-started', offset: 0, limit: 100 },
    );
    const staleBefore = this.deps.clock.now().getTime() - this.settings.leaseMs;
    const mine = payments
      .filter((p) => p.id > floor && p.customerUidUsage === 'payment.scheduled' && p.customerUid === schedule.customerUid)
      .filter((p) => !(p.status === 'ready' && p.approvalState === 'none' && p.startedAt.getTime() < staleBefore))
      .sort((a, b) => b.id - a.id);
    return (
      mine.find((p) => p.status === 'paid' || p.status === 'cancelled') ??
      mine.find((p) => approvalOpen(p) || p.approvalUnverified || p.status === 'ready') ??
      mine[0] ??
      null
    );
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private async list(
    storeId: number,
    query: ScheduleListQuery,
    options: { order: 'asc' | 'desc'; customerUid?: string; fields: { from: string; to: string } },
  ): Promise<SchedulePageView> {
    const violations: FieldViolation[] = [];
    if (query.from > query.to) violations.push({ field: options.fields.from, rule: `${options.fields.to}보다 늦을 수 없습니다` });
    else if ((query.to - query.from) * 1000 > SCHEDULE_WINDOW_MS) {
      violations.push({ field: options.fields.to, rule: `${options.fields.from}부터 최대 3개월(92일)까지 조회할 수 있습니다` });
    }
    if (violations.length > 0) throw invalidParameter(violations);
    const page = query.page ?? 1;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const found = await this.deps.store.schedules.list(
      storeId,
      {
        from: new Date(query.from * 1000),
        to: new Date(query.to * 1000),
        statuses: query.status === undefined ? undefined : statusesOfV1(query.status),
        customerUid: options.customerUid,
      },
      { offset: (page - 1) * limit, limit, order: options.order },
    );
    const lastPage = Math.max(1, Math.ceil(found.total / limit));
    if (page > lastPage) throw invalidParameter([{ field: 'page', rule: `조회 가능한 범위를 벗어났습니다 (마지막 페이지: ${lastPage})` }]);
    return {
      total: found.total,
      previous: page > 1 ? page - 1 : 0,
      next: page < lastPage ? page + 1 : 0,
      list: await this.withPayments(storeId, found.schedules),
    };
  }

  /** Schedules with their latest run's payment, in one query for all of them. */
  private async withPayments(storeId: number, schedules: readonly PaymentSchedule[]): Promise<ScheduleView[]> {
    const impUids = [...new Set(schedules.flatMap((s) => (s.impUid ? [s.impUid] : [])))];
    const payments = impUids.length > 0 ? await this.deps.store.payments.findByImpUids(storeId, impUids) : [];
    const byImpUid = new Map(payments.map((p) => [p.impUid, p] as const));
    return schedules.map((schedule) => ({ schedule, payment: schedule.impUid ? (byImpUid.get(schedule.impUid) ?? null) : null }));
  }

  private async rerunnable(storeId: number, merchantUid: string): Promise<PaymentSchedule> {
    const current = await this.deps.store.schedules.find(storeId, merchantUid);
    if (!current) throw new AppError('SCHEDULE_NOT_FOUND');
    if (!(RERUNNABLE_STATUSES as readonly string[]).includes(current.status)) throw notRerunnable(current);
    return current;
  }

  /** A `schedule_at` (UNIX seconds) that is not in the past, or null with the violation recorded. */
  private scheduleAtOf(seconds: number, field: string, violations: FieldViolation[]): Date | null {
    const nowSeconds = unixSeconds(this.deps.clock.now());
    if (!Number.isSafeInteger(seconds) || seconds > MAX_UNIX_SECONDS) {
      violations.push({ field, rule: 'UNIX timestamp(초) 정수여야 합니다' });
      return null;
    }
    if (seconds < nowSeconds) {
      violations.push({ field, rule: '현재 시각보다 과거일 수 없습니다' });
      return null;
    }
    return new Date(seconds * 1000);
  }
}

/**
 * The V1 `/subscribe/payments/again` body a schedule's run is charged with (and checked with when
 * it is scheduled): its own fields, then the ones it passes on as given.
 */
export function chargeBodyOf(schedule: Pick<NewPaymentSchedule, 'customerUid' | 'merchantUid' | 'amount' | 'currency' | 'taxFree' | 'vatAmount' | 'name' | 'buyerName' | 'buyerEmail' | 'buyerTel' | 'buyerAddr' | 'buyerPostcode' | 'customData' | 'noticeUrl' | 'chargeFields'>): Record<string, unknown> {
  const money = (minor: number) => fromMinorUnits(minor, schedule.currency);
  const given = (entries: [string, unknown][]) => Object.fromEntries(entries.filter(([, v]) => v !== null && v !== undefined));
  return {
    ...schedule.chargeFields,
    customer_uid: schedule.customerUid,
    merchant_uid: schedule.merchantUid,
    amount: money(schedule.amount),
    currency: schedule.currency,
    ...given([
      ['name', schedule.name],
      ['tax_free', schedule.taxFree === null ? null : money(schedule.taxFree)],
      ['vat_amount', schedule.vatAmount === null ? null : money(schedule.vatAmount)],
      ['buyer_name', schedule.buyerName],
      ['buyer_email', schedule.buyerEmail],
      ['buyer_tel', schedule.buyerTel],
      ['buyer_addr', schedule.buyerAddr],
      ['buyer_postcode', schedule.buyerPostcode],
      ['custom_data', schedule.customData],
      ['notice_url', noticeUrlOf(schedule.noticeUrl)],
    ]),
  };
}

/**
 * The V1 `again` body of a card check (`checking_amount`): the key and buyer of the request's
 * first schedule, its channel choice, a fresh order (letters and digits: Smartro's rule), KRW, no
 * notice_url or custom_data (a check sends no webhook and carries nothing of the merchant's).
 */
export function cardCheckBodyOf(first: NewPaymentSchedule, amount: number): Record<string, unknown> {
  const given = (entries: [string, unknown][]) => Object.fromEntries(entries.filter(([, v]) => v !== null && v !== undefined));
  return {
    customer_uid: first.customerUid,
    merchant_uid: `cardcheck${randomBytes(12).toString('hex')}`,
    amount: fromMinorUnits(amount, 'KRW'),
    currency: 'KRW',
    name: CARD_CHECK_NAME,
    ...given([
      ['buyer_name', first.buyerName],
      ['buyer_email', first.buyerEmail],
      ['buyer_tel', first.buyerTel],
      ['buyer_addr', first.buyerAddr],
      ['buyer_postcode', first.buyerPostcode],
      ['channel_key', first.chargeFields.channel_key],
      ['pg', first.chargeFields.pg],
    ]),
  };
}

/** The charger's refusal of the card check's body, naming `checking_amount` (its `amount`) or the field it read. */
function withinCardCheck(err: AppError): AppError {
  const field = err.field === undefined || err.field === 'amount' ? 'checking_amount' : err.field;
  return new AppError(err.code, { field, message: `checking_amount(유효카드 체크 승인) ${err.message}`, cause: err });
}

/** notice_url as stored (a URL, or a JSON array of them) → as V1 takes it. */
function noticeUrlOf(stored: string | null): string | string[] | null {
  if (stored === null || !stored.startsWith('[')) return stored;
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? (parsed as string[]) : stored;
  } catch {
    return stored;
  }
}

function minorOf(amount: number, currency: Currency, field: string, violations: FieldViolation[]): number | null {
  const minor = toMinorUnits(amount, currency);
  if (minor === null || minor > MAX_MINOR_UNITS) {
    violations.push({ field, rule: `0 이상의 금액이어야 하며 ${currency}는 소수점 이하 ${currency === 'KRW' || currency === 'JPY' ? '없이' : '2자리까지'} 입력할 수 있습니다` });
    return null;
  }
  return minor;
}

function newLeaseToken(): string {
  return randomBytes(12).toString('base64url');
}

function alreadyScheduled(merchantUid: string): AppError {
  return new AppError('SCHEDULE_ALREADY_EXISTS', { field: 'merchant_uid', message: `이미 결제예약에 사용된 주문번호(merchant_uid)입니다: ${merchantUid}` });
}

/** The charger's refusal of one schedule of a request, naming which one. */
function withinSchedule(err: AppError, index: number): AppError {
  const field = `schedules[${index}]${err.field ? `.${err.field}` : ''}`;
  return new AppError(err.code, { field, message: `schedules[${index}] ${err.message}`, cause: err });
}

function notModifiable(schedule: PaymentSchedule): AppError {
  const why: Record<PaymentSchedule['status'], string> = {
    scheduled: '예약시각을 변경할 수 없는 결제예약입니다',
    running: '지금 실행 중인 결제예약입니다',
    executed: '이미 실행된 결제예약입니다',
    failed: '이미 실행된 결제예약입니다 (결제 실패: 다시 예약하려면 POST /subscribe/payments/schedule/{merchant_uid}/reschedule)',
    revoked: '취소된 결제예약입니다 (다시 예약하려면 POST /subscribe/payments/schedule/{merchant_uid}/reschedule)',
  };
  return new AppError('SCHEDULE_NOT_MODIFIABLE', { message: `${why[schedule.status]}. 예약시각은 실행 전(scheduled) 결제예약만 변경할 수 있습니다.` });
}

function notRerunnable(schedule: PaymentSchedule): AppError {
  const why: Record<PaymentSchedule['status'], string> = {
    scheduled: '아직 실행되지 않은 결제예약입니다',
    running: '지금 실행 중인 결제예약입니다',
    executed: '이미 결제가 승인된 결제예약입니다',
    failed: '결제에 실패한 결제예약입니다',
    revoked: '취소된 결제예약입니다',
  };
  return new AppError('SCHEDULE_NOT_RERUNNABLE', { message: `${why[schedule.status]}. 결제에 실패했거나 취소된 결제예약만 다시 예약하거나 재시도할 수 있습니다.` });
}
