/**
 * Webhooks (V1 §4) as gyeol sends them: which domain events become a webhook and with which
 * `status`, the body, and the retry policy of each schedule. Pure: no clock, no randomness of
 * its own (both come in as arguments).
 */
import type { DomainEventType } from './payment-transitions';
import type { CustomerUidUsage, PaymentStatus } from './payment';

export type WebhookContentType = 'json' | 'form';
export const WEBHOOK_CONTENT_TYPES = ['json', 'form'] as const satisfies readonly WebhookContentType[];

/**
 * `gyeol`: retried on any failure with exponential backoff and jitter, the first retry within a
 * minute, for up to 24 hours. `v1-once`: sent once (V1's default). `v1-retry`: V1's optional
 * schedule, up to 5 retries 1 minute apart on a network error or a 5xx answer.
 */
export type WebhookSchedule = 'gyeol' | 'v1-once' | 'v1-retry';
export const WEBHOOK_SCHEDULES = ['gyeol', 'v1-once', 'v1-retry'] as const satisfies readonly WebhookSchedule[];

/** The webhook body (V1 §4.1): `cancellation_id` only on cancels. */
export interface WebhookPayload {
  imp_uid: string;
  merchant_uid: string;
  status: PaymentStatus;
  cancellation_id?: string;
}

/**
 * The `status` a domain event is announced with, or null when V1 sends no webhook for it (an
 * ordinary failure). A failure is announced only for a schedule's run (`customer_uid_usage`
 * `payment.scheduled`): V1 sends `paid` or `failed` for every scheduled payment attempted.
 */
export function webhookStatusOf(type: DomainEventType, usage: CustomerUidUsage | null = null): PaymentStatus | null {
  switch (type) {
    // A card check (checking_amount) is gyeol's own, cancelled at once: the merchant hears of it in the schedule answer only.
    case 'payment.paid':
      return usage === 'payment.check' ? null : 'paid';
    case 'payment.vbank_issued':
      return 'ready';
    // V1 documents no expired account; gyeol tells the merchant it will not be paid.
    case 'payment.vbank_expired':
      return 'failed';
    // V1: "Cancel API with enable_webhook:true → cancelled", for a partial cancel too (the body's
    // cancellation_id says which); without enable_webhook an API cancel sends nothing.
    case 'payment.cancelled':
      return 'cancelled';
    case 'payment.cancelled_quietly':
      return null;
    // The merchant revoked the account itself; V1 documents no webhook for it.
    case 'payment.vbank_revoked':
      return null;
    case 'payment.failed':
      return usage === 'payment.scheduled' ? 'failed' : null;
    default: {
      const never: never = type;
      throw new TypeError(`unknown domain event ${String(never)}`);
    }
  }
}

/** What one attempt came to. */
export type AttemptOutcome = { kind: 'answered'; status: number } | { kind: 'no-answer' };

export interface RetryTiming {
  /** The `gyeol` schedule's first delay; each next one is 4 times longer, capped at 4 hours. */
  gyeolBaseMs: number;
  /** How long the `gyeol` schedule keeps trying after the delivery was created. */
  gyeolWindowMs: number;
  /** The `v1-retry` schedule's interval. */
  v1RetryMs: number;
}

export const DEFAULT_RETRY_TIMING: RetryTiming = { gyeolBaseMs: 30_000, gyeolWindowMs: 24 * 60 * 60 * 1000, v1RetryMs: 60_000 };
const GYEOL_MAX_DELAY_MS = 4 * 60 * 60 * 1000;
const V1_RETRIES = 5;

/**
 * After attempt number `attempts` (1 for the first) ended with `outcome`: succeeded, failed for
 * good, or retry at a time.
 * @param jitter a number in [0, 1) (Math.random in production): spreads retries ±20 %
 */
export function afterAttempt(
  schedule: WebhookSchedule,
  attempts: number,
  outcome: AttemptOutcome,
  times: { createdAt: Date; now: Date },
  timing: RetryTiming,
  jitter: number,
): { state: 'succeeded' } | { state: 'failed' } | { state: 'pending'; nextAttemptAt: Date } {
  if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status <= 299) return { state: 'succeeded' };
  const now = times.now.getTime();
  switch (schedule) {
    case 'v1-once':
      return { state: 'failed' };
    case 'v1-retry': {
      const retryable = outcome.kind === 'no-answer' || outcome.status >= 500;
      if (!retryable || attempts > V1_RETRIES) return { state: 'failed' };
      return { state: 'pending', nextAttemptAt: new Date(now + timing.v1RetryMs) };
    }
    case 'gyeol': {
      const base = Math.min(timing.gyeolBaseMs * 4 ** (attempts - 1), GYEOL_MAX_DELAY_MS);
      const delay = Math.round(base * (0.8 + 0.4 * jitter));
      const next = now + delay;
      if (next > times.createdAt.getTime() + timing.gyeolWindowMs) return { state: 'failed' };
      return { state: 'pending', nextAttemptAt: new Date(next) };
    }
    default: {
      const never: never = schedule;
      throw new TypeError(`unknown webhook schedule ${String(never)}`);
    }
  }
}
