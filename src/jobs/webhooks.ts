/**
 * The webhook worker: turns domain events into deliveries (the outbox) and sends what is due.
 *
 * A pass runs while there is work and ends when there is none. Each step is one transaction (one
 * commit): it records the attempts that finished meanwhile, turns new events into deliveries and
 * leases due deliveries for the free slots (at most `concurrency` requests in flight); the leased
 * ones are sent at once, and their answers are recorded by a later step. A pass starts at start-up,
 * every `intervalMs` (retries that came due, events of other processes), and at once when `wake()`
 * is called — the composition root calls it right after every commit that wrote events — so a
 * webhook leaves about as soon as its payment's change is committed.
 *
 * Passes never overlap within a process; across processes the store's `FOR UPDATE SKIP LOCKED`
 * (PostgreSQL) or write lock (SQLite) and the delivery leases keep each event expanded once and
 * each delivery sent by one sender at a time.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../services/deps';
import type { LeasedDelivery, MadeAttempt, WebhookService } from '../services/webhooks';
import type { PeriodicJob } from './periodic';

export interface WebhookWorker extends PeriodicJob<{ dispatched: number; attempted: number }> {
  /** Look for events and due deliveries now (a pass in progress looks again before it ends). */
  wake(): void;
}

export interface WebhookWorkerOptions {
  webhooks: Pick<WebhookService, 'cycle' | 'attempt'>;
  logger: Logger;
  intervalMs: number;
  /** Requests in flight at most (all receivers together). */
  concurrency: number;
  /** Subscribes to "events were committed" (Store.onEventsCommitted); returns the unsubscribe. */
  onEventsCommitted?: (listener: () => void) => () => void;
}

type PassResult = { dispatched: number; attempted: number };
/** A step too small to be worth a commit on its own waits at most this long after the last one. */
const STEP_GAP_MS = 10;
/** Steps (transactions) running at once: on PostgreSQL one can record and lease while another commits. */
const MAX_STEPS = 2;
type CycleResult = Awaited<ReturnType<WebhookService['cycle']>>;

export function startWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { webhooks, logger } = options;
  const concurrency = Math.max(1, options.concurrency);
  // Lease in batches: a lease is a statement (a commit on SQLite), not worth it for one slot while others are busy.
  const leaseBatch = Math.max(1, Math.floor(concurrency / 4));
  let stopped = false;
  let running: Promise<void> | null = null;
  /** Wake-ups so far, and the count the running pass last looked after. */
  let requested = 0;
  let looked = 0;
  const dirty = () => requested > looked;
  /** runOnce() calls waiting for a pass that looks after their wake-up. */
  const waiters: { after: number; resolve: (result: PassResult) => void }[] = [];
  /** Resolves the pass's wait (a send finished, or wake()). */
  let kick: (() => void) | null = null;
  const kickNow = () => {
    const k = kick;
    kick = null;
    k?.();
  };

  const errorOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

  /**
   * One step; when it fails with the dispatch in it, once more without (an event the dispatch
   * cannot handle must not keep the answers from being recorded). What still fails is logged:
   * its events stay undispatched and its deliveries leased until the lease runs out, then they
   * are sent again (at least once).
   */
  const cycle = async (work: Parameters<WebhookService['cycle']>[0]): Promise<CycleResult> => {
    try {
      return await webhooks.cycle(work);
    } catch (err) {
      logger.error({ err: errorOf(err) }, 'webhook worker step failed');
      if (!work.dispatch) return { dispatched: 0, leased: [] };
    }
    try {
      return await webhooks.cycle({ ...work, dispatch: false });
    } catch (err) {
      logger.error({ err: errorOf(err) }, 'webhook worker step failed');
      return { dispatched: 0, leased: [] };
    }
  };

  async function pass(): Promise<PassResult & { looked: number }> {
    let dispatched = 0;
    let attempted = 0;
    /** Requests in flight, and slots set aside for steps that are leasing now. */
    let inFlight = 0;
    let reserved = 0;
    let finished: MadeAttempt[] = [];
    let steps = 0;
    let dispatching = false;
    let lookForEvents = true;
    let lookForDue = true;
    let lastStep = Number.NEGATIVE_INFINITY;
    let lastLook = (looked = requested);

    const send = (delivery: LeasedDelivery) =>
      webhooks.attempt(delivery).then(
        (made) => {
          inFlight--;
          finished.push(made);
          kickNow();
        },
        (err: unknown) => {
          inFlight--;
          logger.error({ err: errorOf(err), webhookId: delivery.delivery.webhookId }, 'webhook attempt failed');
          kickNow();
        },
      );

    /** One step (one transaction), not awaited: up to MAX_STEPS run at once (they overlap on PostgreSQL's pool). */
    const startStep = (done: MadeAttempt[], dispatch: boolean, lease: number) => {
      steps++;
      reserved += lease;
      if (dispatch) {
        dispatching = true;
        lookForEvents = false;
      }
      if (lease > 0) lookForDue = false;
      lastStep = performance.now();
      void cycle({ finished: done, dispatch, lease }).then(({ dispatched: n, leased }) => {
        steps--;
        reserved -= lease;
        dispatched += n;
        attempted += leased.length;
        inFlight += leased.length;
        for (const delivery of leased) void send(delivery);
        if (dispatch) {
          dispatching = false;
          // A full batch: there may be more.
          if (n > 0) lookForEvents = true;
        }
        // All asked for were due: there may be more. Recorded answers and new deliveries may
        // make more due (the next of a payment's webhooks to a URL) unless this step's lease saw them.
        if ((lease > 0 && leased.length >= lease) || ((done.length > 0 || n > 0) && lease === 0)) lookForDue = true;
        kickNow();
      });
    };

    for (let first = true; ; first = false) {
      // Let every answer that is already in arrive first, so one commit records them all.
      if (!first) await new Promise<void>((resolve) => setImmediate(resolve));
      if (dirty()) {
        lastLook = looked = requested;
        lookForEvents = true;
        lookForDue = true;
      }
      const busy = inFlight + reserved;
      const room = concurrency - busy;
      const lease = lookForDue && !stopped && (room >= leaseBatch || busy === 0) ? room : 0;
      const dispatch = lookForEvents && !stopped && !dispatching;
      const work = finished.length > 0 || dispatch || lease > 0;
      if (!work && steps === 0 && inFlight === 0) return { dispatched, attempted, looked: lastLook };
      if (work && steps < MAX_STEPS) {
        // A step is worth its commit at once when it leases a batch, records one, or nothing else
        // is going on; a smaller one waits up to STEP_GAP_MS after the last step for company.
        const worth = lease >= leaseBatch || finished.length >= leaseBatch || busy === 0 || stopped;
        const wait = worth ? 0 : lastStep + STEP_GAP_MS - performance.now();
        if (wait <= 0) {
          const done = finished;
          finished = [];
          startStep(done, dispatch, lease);
          continue;
        }
        await sleep(wait);
        continue;
      }
      // Wait for an answer, a step, or a wake-up.
      if (!dirty()) await sleep(null);
    }
  }

  /** Until kickNow() (an answer, a step's end, a wake-up), or `ms` have passed. */
  function sleep(ms: number | null): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer =
        ms === null
          ? undefined
          : setTimeout(() => {
              if (kick === woken) kick = null;
              resolve();
            }, ms);
      const woken = () => {
        clearTimeout(timer);
        resolve();
      };
      kick = woken;
    });
  }

  const settle = (upTo: number, result: PassResult) => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.after <= upTo) waiters.splice(i, 1)[0]!.resolve(result);
    }
  };

  const start = (): Promise<void> =>
    pass()
      .then(
        ({ looked: upTo, ...result }) => settle(upTo, result),
        (err: unknown) => {
          logger.error({ err: errorOf(err) }, 'webhook pass failed');
          settle(looked, { dispatched: 0, attempted: 0 });
        },
      )
      .finally(() => {
        running = null;
        // Woken after the pass's last look: another one.
        if (dirty() && !stopped) running = start();
        else if (stopped) settle(Number.POSITIVE_INFINITY, { dispatched: 0, attempted: 0 });
      });

  const wake = () => {
    if (stopped) return;
    requested++;
    if (running) kickNow();
    else running = start();
  };

  /** A pass that looks after this call, to its end (joins the one in progress, which looks again). */
  const runOnce = (): Promise<PassResult> => {
    if (stopped) return Promise.resolve({ dispatched: 0, attempted: 0 });
    const result = new Promise<PassResult>((resolve) => waiters.push({ after: requested + 1, resolve }));
    wake();
    return result;
  };

  const unsubscribe = options.onEventsCommitted?.(() => wake()) ?? (() => undefined);
  const timer = setInterval(wake, options.intervalMs);
  timer.unref();
  wake();

  return {
    runOnce,
    wake,
    async stop() {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      kickNow();
      // Sends in flight finish (within their timeouts) and are recorded.
      while (running) await running;
      settle(Number.POSITIVE_INFINITY, { dispatched: 0, attempted: 0 });
    },
  };
}
