/**
 * Scheduled payments (V1 `/subscribe/payments/schedule`, 결제예약): a charge of a billing key
 * the gateway runs by itself at `schedule_at`, exactly once. Pure: what a schedule is, how it moves
 * and how V1 shows it; the store enforces each move with a conditional update.
 */
import type { Currency } from './money';

/**
 * Where a schedule is. V1 shows three (`scheduled`, `executed`, `revoked`); gyeol keeps two more
 * so a run is never lost or repeated:
 * - `scheduled`: waiting for `schedule_at`;
 * - `running`: taken by one scheduler (or a `retry` call) under a lease; its charge may be in flight;
 * - `executed`: the run's payment is paid (it may be cancelled later: V1 `payment_status` says so);
 * - `failed`: the run ended without a paid payment (a decline, or a refusal before the PG);
 * - `revoked`: unscheduled before it ran.
 */
export type ScheduleStatus = 'scheduled' | 'running' | 'executed' | 'failed' | 'revoked';
export const SCHEDULE_STATUSES = ['scheduled', 'running', 'executed', 'failed', 'revoked'] as const satisfies readonly ScheduleStatus[];

/** V1 `schedule_status`. */
export type V1ScheduleStatus = 'scheduled' | 'executed' | 'revoked';
export const V1_SCHEDULE_STATUSES = ['scheduled', 'executed', 'revoked'] as const satisfies readonly V1ScheduleStatus[];

/** What V1 calls a schedule in each of gyeol's states: a run in progress is still `scheduled`, a failed run is `executed`. */
export function v1ScheduleStatusOf(status: ScheduleStatus): V1ScheduleStatus {
  switch (status) {
    case 'scheduled':
    case 'running':
      return 'scheduled';
    case 'executed':
    case 'failed':
      return 'executed';
    case 'revoked':
      return 'revoked';
    default: {
      const never: never = status;
      throw new TypeError(`unknown schedule status ${String(never)}`);
    }
  }
}

/** gyeol's states a V1 `schedule_status` filter covers. */
export function statusesOfV1(status: V1ScheduleStatus): ScheduleStatus[] {
  return SCHEDULE_STATUSES.filter((s) => v1ScheduleStatusOf(s) === status);
}

/** States from which `retry` charges at once and `reschedule` sets a new time (V1: a failed or revoked schedule). */
export const RERUNNABLE_STATUSES = ['failed', 'revoked'] as const satisfies readonly ScheduleStatus[];

export interface PaymentSchedule {
  id: number;
  storeId: number;
  /** The order the run charges; unique per store (V1 refuses a second schedule of one merchant_uid). */
  merchantUid: string;
  customerUid: string;
  /** V1 `customer_id` of the schedule request (or of the billing customer when the request had none). */
  customerId: string | null;
  scheduleAt: Date;
  /** Integer minor units of `currency`. */
  amount: number;
  currency: Currency;
  /** Integer minor units, or null when not given. */
  taxFree: number | null;
  vatAmount: number | null;
  name: string | null;
  buyerName: string | null;
  buyerEmail: string | null;
  buyerTel: string | null;
  buyerAddr: string | null;
  buyerPostcode: string | null;
  /** Stored and returned as a string (V1's `custom_data` of a schedule is a string). */
  customData: string | null;
  /** Where the run's webhook goes; the store's webhook URL when null. */
  noticeUrl: string | null;
  /**
   * The other fields of the schedule the charge passes on as given (`card_quota`, `product_type`,
   * `bypass`, `channel_key`, …), as V1 `/subscribe/payments/again` body fields.
   */
  chargeFields: Record<string, unknown>;
  status: ScheduleStatus;
  /** The payment of the latest run (null before one made a payment). */
  paymentId: number | null;
  impUid: string | null;
  /** When the latest run ended (paid or failed); null before. */
  executedAt: Date | null;
  revokedAt: Date | null;
  /** Why the latest run failed. */
  failReason: string | null;
  /**
   * The highest payment id of this merchant_uid when the current run began: a payment of the
   * schedule above it belongs to this run (a run taken over after a crash looks for it before
   * charging). Set when a run starts, kept when a run is taken over.
   */
  runAfterPaymentId: number | null;
  /** Who holds the current run and until when (`running` only). */
  leaseToken: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A schedule as first written. */
export type NewPaymentSchedule = Omit<
  PaymentSchedule,
  'id' | 'status' | 'paymentId' | 'impUid' | 'executedAt' | 'revokedAt' | 'failReason' | 'runAfterPaymentId' | 'leaseToken' | 'leaseUntil' | 'updatedAt'
>;

/** The longest window of a schedule list (V1: 3 months; gyeol takes the longest three months, 92 days). */
export const SCHEDULE_WINDOW_MS = 92 * 24 * 60 * 60 * 1000;
/** At most this many schedules in one `POST /subscribe/payments/schedule` (V1 publishes no limit). */
export const MAX_SCHEDULES_PER_REQUEST = 100;
/** At most this many merchant_uids in one unschedule. */
export const MAX_UNSCHEDULE_MERCHANT_UIDS = 100;
