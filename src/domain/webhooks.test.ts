import { describe, expect, it } from 'vitest';
import { afterAttempt, webhookStatusOf, type RetryTiming } from './webhooks';

const timing: RetryTiming = { gyeolBaseMs: 30_000, gyeolWindowMs: 24 * 3600_000, v1RetryMs: 60_000 };
const createdAt = new Date('2026-11-27T00:00:00Z');
const at = (ms: number) => ({ createdAt, now: new Date(createdAt.getTime() + ms) });
const ok = { kind: 'answered', status: 204 } as const;
const e500 = { kind: 'answered', status: 500 } as const;
const e404 = { kind: 'answered', status: 404 } as const;
const none = { kind: 'no-answer' } as const;

describe('webhookStatusOf', () => {
  it('announces paid, issued and expired (failed) virtual accounts, never an ordinary failure', () => {
    expect(webhookStatusOf('payment.paid')).toBe('paid');
    expect(webhookStatusOf('payment.vbank_issued')).toBe('ready');
    expect(webhookStatusOf('payment.failed')).toBeNull();
    // V1: a scheduled payment's attempt is announced either way; an `again` charge's decline is not.
    expect(webhookStatusOf('payment.failed', 'payment.scheduled')).toBe('failed');
    expect(webhookStatusOf('payment.failed', 'payment')).toBeNull();
    expect(webhookStatusOf('payment.paid', 'payment.scheduled')).toBe('paid');
    expect(webhookStatusOf('payment.vbank_expired')).toBe('failed');
  });

  it('announces a cancel as cancelled only when the merchant asked for it (enable_webhook), and no revocation', () => {
    expect(webhookStatusOf('payment.cancelled')).toBe('cancelled');
    expect(webhookStatusOf('payment.cancelled_quietly')).toBeNull();
    expect(webhookStatusOf('payment.vbank_revoked')).toBeNull();
  });
});

describe('afterAttempt', () => {
  it('ends any schedule on a 2xx', () => {
    for (const schedule of ['gyeol', 'v1-once', 'v1-retry'] as const) expect(afterAttempt(schedule, 1, ok, at(0), timing, 0.5)).toEqual({ state: 'succeeded' });
  });

  it('gyeol: first retry within a minute, then 4 times longer each, with ±20 % jitter', () => {
    expect(afterAttempt('gyeol', 1, e404, at(0), timing, 0.5)).toEqual({ state: 'pending', nextAttemptAt: at(30_000).now });
    expect(afterAttempt('gyeol', 1, none, at(0), timing, 0)).toEqual({ state: 'pending', nextAttemptAt: at(24_000).now });
    expect(afterAttempt('gyeol', 1, none, at(0), timing, 0.999999)).toEqual({ state: 'pending', nextAttemptAt: at(36_000).now });
    expect(afterAttempt('gyeol', 2, e500, at(0), timing, 0.5)).toEqual({ state: 'pending', nextAttemptAt: at(120_000).now });
    expect(afterAttempt('gyeol', 3, e500, at(0), timing, 0.5)).toEqual({ state: 'pending', nextAttemptAt: at(480_000).now });
    // Capped at 4 hours.
    expect(afterAttempt('gyeol', 9, e500, at(0), timing, 0.5)).toEqual({ state: 'pending', nextAttemptAt: at(4 * 3600_000).now });
  });

  it('gyeol: gives up when the next try would fall past 24 hours after the delivery was made', () => {
    expect(afterAttempt('gyeol', 9, e500, at(20.5 * 3600_000), timing, 0.5)).toEqual({ state: 'failed' });
    expect(afterAttempt('gyeol', 9, e500, at(19 * 3600_000), timing, 0.5)).toEqual({ state: 'pending', nextAttemptAt: at(23 * 3600_000).now });
  });

  it('v1-once: one attempt, whatever happened', () => {
    expect(afterAttempt('v1-once', 1, e500, at(0), timing, 0.5)).toEqual({ state: 'failed' });
    expect(afterAttempt('v1-once', 1, none, at(0), timing, 0.5)).toEqual({ state: 'failed' });
  });

  it('v1-retry: 5 retries a minute apart on a 5xx or no answer; a 4xx is final', () => {
    for (let attempts = 1; attempts <= 5; attempts++) {
      expect(afterAttempt('v1-retry', attempts, e500, at(0), timing, 0.5)).toEqual({ state: 'pending', nextAttemptAt: at(60_000).now });
      expect(afterAttempt('v1-retry', attempts, none, at(0), timing, 0.9)).toEqual({ state: 'pending', nextAttemptAt: at(60_000).now });
    }
    expect(afterAttempt('v1-retry', 6, e500, at(0), timing, 0.5)).toEqual({ state: 'failed' });
    expect(afterAttempt('v1-retry', 1, e404, at(0), timing, 0.5)).toEqual({ state: 'failed' });
  });
});
