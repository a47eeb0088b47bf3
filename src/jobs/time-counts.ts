/**
 * Folds the per-hour payment counts (migration 0018): the payment triggers append +1/-1 changes,
 * and this job adds them into the counts the status lists read, so a list adds up a few rows per
 * hour instead of every change. Lists are exact without it (they add the changes not folded yet);
 * a backlog only makes them slower. Several instances may fold at once.
 */
import type { Logger } from '../services/deps';
import type { PaymentQueryService } from '../services/payments';
import { startPeriodic, type PeriodicJob } from './periodic';

export type TimeCountsJob = PeriodicJob<number>;

/** How often the counts are folded, and how many changes one transaction folds. */
export const TIME_COUNTS_INTERVAL_MS = 1_000;
export const TIME_COUNTS_BATCH = 10_000;

export function startTimeCounts(options: { payments: Pick<PaymentQueryService, 'foldListCounts'>; logger: Logger; intervalMs?: number }): TimeCountsJob {
  return startPeriodic({
    name: 'time-counts',
    intervalMs: options.intervalMs ?? TIME_COUNTS_INTERVAL_MS,
    logger: options.logger,
    idle: 0,
    async pass(stopping) {
      let folded = 0;
      for (;;) {
        const n = await options.payments.foldListCounts(TIME_COUNTS_BATCH);
        folded += n;
        if (n < TIME_COUNTS_BATCH || stopping()) break;
      }
      return folded;
    },
  });
}
