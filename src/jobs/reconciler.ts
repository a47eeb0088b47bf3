/**
 * The reconciler (DESIGN §5): settles payments whose PG outcome was left open — a PG timeout, an
 * untrustworthy answer, a crash during the approval call, or an unsigned decline to double-check —
 * by asking the PG (its inquiry flow) through the approvals pipeline; and cancels whose outcome was
 * left open, by re-sending them (the PG answers a repeated cancel `seq` with its first answer); and
 * card checks (`checking_amount`) a crash left paid, by cancelling them. Runs once at start-up and
 * then every `intervalMs`; runs never overlap. Several instances may run it: every change is a
 * conditional update, so two of them settling one payment change it once.
 */
import type { ApprovalService } from '../services/approvals';
import type { CancelService } from '../services/cancels';
import type { Logger } from '../services/deps';
import { startPeriodic, type PeriodicJob } from './periodic';

export type Reconciler = PeriodicJob<{ checked: number; settled: number }>;

export function startReconciler(options: {
  approvals: ApprovalService;
  cancels: Pick<CancelService, 'reconcileDue'>;
  logger: Logger;
  intervalMs: number;
  batchSize?: number;
}): Reconciler {
  const { approvals, cancels, logger } = options;
  return startPeriodic({
    name: 'reconciler',
    intervalMs: options.intervalMs,
    logger,
    idle: { checked: 0, settled: 0 },
    async pass() {
      const result = await approvals.reconcileDue(options.batchSize ?? 50);
      if (result.checked > 0) logger.info(result, 'reconciler pass');
      // Cancels whose outcome is open: re-sent (same seq) until the PG answers.
      const cancelled = await cancels.reconcileDue(options.batchSize ?? 50);
      if (cancelled.checked > 0) logger.info(cancelled, 'cancel reconciler pass');
      // Card checks (checking_amount) a crash left paid: cancelled.
      const checks = await approvals.cancelStrandedCardChecks(options.batchSize ?? 50);
      if (checks.checked > 0) logger.info(checks, 'stranded card checks');
      return { checked: result.checked + cancelled.checked + checks.checked, settled: result.settled + cancelled.settled + checks.cancelled };
    },
  });
}
