/**
 * The virtual-account expiry job: an issued account whose deadline (`vbank_date`) has passed
 * unpaid can no longer be paid, so the job marks it `failed` through the state machine (V1 does
 * this with a job too). Runs once at start-up and then every `intervalMs`; runs never overlap in a
 * process. Several instances may run it: every change is a conditional update on the state it was
 * decided from, so an account is marked once.
 */
import type { ApprovalService } from '../services/approvals';
import type { Logger } from '../services/deps';
import { startPeriodic, type PeriodicJob } from './periodic';

export type VbankExpiryJob = PeriodicJob<{ checked: number; expired: number }>;

export function startVbankExpiry(options: { approvals: ApprovalService; logger: Logger; intervalMs: number; batchSize?: number }): VbankExpiryJob {
  const { approvals, logger } = options;
  const batchSize = options.batchSize ?? 100;
  return startPeriodic({
    name: 'vbank-expiry',
    intervalMs: options.intervalMs,
    logger,
    idle: { checked: 0, expired: 0 },
    async pass(stopping) {
      const total = { checked: 0, expired: 0 };
      // Batches until one comes back short (or none of a full one could be marked: others are at it).
      for (;;) {
        const result = await approvals.expireVbanks(batchSize);
        total.checked += result.checked;
        total.expired += result.expired;
        if (result.checked < batchSize || result.expired === 0 || stopping()) break;
      }
      if (total.checked > 0) logger.info(total, 'vbank expiry pass');
      return total;
    },
  });
}
