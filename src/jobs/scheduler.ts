/**
 * The scheduler (DESIGN §2, issue 9): runs each due scheduled payment (`/subscribe/payments/schedule`)
 * within about one `intervalMs` of its `schedule_at`, exactly once, and looks again at runs whose
 * payment was still open or whose scheduler died (their lease ran out). Passes never overlap in a
 * process; several instances may pass at once: a schedule is taken with one conditional update,
 * so it goes to one of them (services/schedules.ts says what else "exactly once" rests on).
 */
import type { Logger } from '../services/deps';
import type { RunDueResult, ScheduleService } from '../services/schedules';
import { startPeriodic, type PeriodicJob } from './periodic';

export type Scheduler = PeriodicJob<RunDueResult>;

export function startScheduler(options: { schedules: Pick<ScheduleService, 'runDue'>; logger: Logger; intervalMs: number; batchSize?: number }): Scheduler {
  const { schedules, logger } = options;
  // Taken schedules run at once, so a batch is also how many charges one instance has in flight.
  const batchSize = options.batchSize ?? 10;
  return startPeriodic({
    name: 'scheduler',
    intervalMs: options.intervalMs,
    logger,
    idle: { taken: 0, executed: 0, failed: 0, open: 0 },
    async pass(stopping) {
      const total: RunDueResult = { taken: 0, executed: 0, failed: 0, open: 0 };
      // Batches until one comes back short: a backlog is worked off in one pass.
      for (;;) {
        const result = await schedules.runDue(batchSize);
        total.taken += result.taken;
        total.executed += result.executed;
        total.failed += result.failed;
        total.open += result.open;
        if (result.taken < batchSize || stopping()) break;
      }
      if (total.taken > 0) logger.info(total, 'scheduler pass');
      return total;
    },
  });
}
