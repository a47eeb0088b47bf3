/**
 * The webhook worker: turns domain events into deliveries (the outbox) and sends what is due,
 * every `intervalMs`. Passes never overlap within a process; across processes the store's
 * `FOR UPDATE SKIP LOCKED` (PostgreSQL) or write lock (SQLite) and the delivery leases keep each
 * event expanded once and each delivery sent by one sender at a time.
 */
import type { Logger } from '../services/deps';
import type { WebhookService } from '../services/webhooks';
import { startPeriodic, type PeriodicJob } from './periodic';

export type WebhookWorker = PeriodicJob<{ dispatched: number; attempted: number }>;

export function startWebhookWorker(options: { webhooks: WebhookService; logger: Logger; intervalMs: number }): WebhookWorker {
  const { webhooks } = options;
  return startPeriodic({
    name: 'webhook',
    intervalMs: options.intervalMs,
    logger: options.logger,
    idle: { dispatched: 0, attempted: 0 },
    async pass(stopping) {
      let dispatched = 0;
      for (let n = await webhooks.dispatchEvents(); n > 0; n = await webhooks.dispatchEvents()) dispatched += n;
      let attempted = 0;
      // A bounded number of rounds, so one pass never runs for ever when receivers are slow.
      for (let round = 0; round < 5 && !stopping(); round++) {
        const n = await webhooks.deliverDue();
        attempted += n;
        if (n === 0) break;
      }
      return { dispatched, attempted };
    },
  });
}
