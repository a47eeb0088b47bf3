/**
 * The reconciler (DESIGN §5): settles payments whose PG outcome was left open — a PG timeout, an
 * untrustworthy answer, a crash during the approval call, or an unsigned decline to double-check —
 * by asking the PG (its inquiry flow) through the approvals pipeline. Runs once at start-up and
 * then every `intervalMs`; runs never overlap. Several instances may run it: every change is a
 * conditional update, so two of them settling one payment change it once.
 */
import type { ApprovalService } from '../services/approvals';
import type { Logger } from '../services/deps';
import { startPeriodic, type PeriodicJob } from './periodic';

export type Reconciler = PeriodicJob<{ checked: number; settled: number }>;

export function startReconciler(options: { approvals: ApprovalService; logger: Logger; intervalMs: number; batchSize?: number }): Reconciler {
  const { approvals, logger } = options;
  return startPeriodic({
    name: 'reconciler',
    intervalMs: options.intervalMs,
    logger,
    idle: { checked: 0, settled: 0 },
    async pass() {
      const result = await approvals.reconcileDue(options.batchSize ?? 50);
      if (result.checked > 0) logger.info(result, 'reconciler pass');
      return result;
    },
  });
}
