/**
 * The webhook worker: turns domain events into deliveries (the outbox) and sends what is due,
 * every `intervalMs`. Passes never overlap within a process; across processes the store's
 * `FOR UPDATE SKIP LOCKED` (PostgreSQL) or write lock (SQLite) and the delivery leases keep each
 * event expanded once and each delivery sent by one sender at a time.
 */
import type { Logger } from '../services/deps';
import type { WebhookService } from '../services/webhooks';

export interface WebhookWorker {
  /** One pass now: dispatch events, then send due deliveries until none is left this pass. */
  runOnce(): Promise<{ dispatched: number; attempted: number }>;
  stop(): Promise<void>;
}

export function startWebhookWorker(options: { webhooks: WebhookService; logger: Logger; intervalMs: number }): WebhookWorker {
  const { webhooks, logger, intervalMs } = options;
  let running: Promise<{ dispatched: number; attempted: number }> | null = null;
  let stopped = false;

  const pass = async () => {
    let dispatched = 0;
    for (let n = await webhooks.dispatchEvents(); n > 0; n = await webhooks.dispatchEvents()) dispatched += n;
    let attempted = 0;
    // A bounded number of rounds, so one pass never runs for ever when a receiver is slow.
    for (let round = 0; round < 5 && !stopped; round++) {
      const n = await webhooks.deliverDue();
      attempted += n;
      if (n === 0) break;
    }
    return { dispatched, attempted };
  };

  const runOnce = () => {
    running ??= pass()
      .catch((err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'webhook pass failed');
        return { dispatched: 0, attempted: 0 };
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
