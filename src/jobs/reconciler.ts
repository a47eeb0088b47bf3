/**
 * The reconciler (DESIGN §5): settles payments whose PG outcome was left open — a PG timeout, an
 * untrustworthy answer, a crash during the approval call, or an unsigned decline to double-check —
 * by asking the PG (its inquiry flow) through the approvals pipeline. Runs once at start-up and
 * then every `intervalMs`; runs never overlap. Several instances may run it: every change is a
 * conditional update, so two of them settling one payment change it once.
 */
import type { Logger } from '../services/deps';
import type { ApprovalService } from '../services/approvals';

export interface Reconciler {
  /** One pass now (also what the timer runs); resolves when the pass is done. */
  runOnce(): Promise<{ checked: number; settled: number }>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function startReconciler(options: { approvals: ApprovalService; logger: Logger; intervalMs: number; batchSize?: number }): Reconciler {
  const { approvals, logger, intervalMs } = options;
  let running: Promise<{ checked: number; settled: number }> | null = null;
  let stopped = false;

  const runOnce = () => {
    running ??= approvals
      .reconcileDue(options.batchSize ?? 50)
      .then((result) => {
        if (result.checked > 0) logger.info(result, 'reconciler pass');
        return result;
      })
      .catch((err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'reconciler pass failed');
        return { checked: 0, settled: 0 };
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped) void runOnce();
  }, intervalMs);
  timer.unref();
  void runOnce();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
