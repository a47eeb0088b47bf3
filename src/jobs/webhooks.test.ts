import { afterEach, describe, expect, it } from 'vitest';
import type { LeasedDelivery, MadeAttempt, WebhookService } from '../services/webhooks';
import { startWebhookWorker, type WebhookWorker } from './webhooks';

/**
 * The webhook worker's loop against a stand-in service: what it leases, sends and records, when
 * it looks, and how it stops. The service's own behaviour (SQL, HTTP) is tested elsewhere.
 */

type Cycle = Parameters<WebhookService['cycle']>[0];

/** A stand-in for WebhookService: events become due deliveries; answers come when the test says. */
function fakeService(options: { failDispatch?: number } = {}) {
  const events: number[] = [];
  const due: number[] = [];
  const recorded: number[] = [];
  const cycles: Cycle[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failDispatch = options.failDispatch ?? 0;
  const pending: { id: number; answer: () => void }[] = [];
  let autoAnswer = true;
  const service: Pick<WebhookService, 'cycle' | 'attempt'> = {
    async cycle(step) {
      cycles.push(step);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (step.dispatch && failDispatch > 0) {
        failDispatch--;
        throw new Error('an event it cannot handle');
      }
      recorded.push(...step.finished.map((m) => m.delivery.id));
      let dispatched = 0;
      if (step.dispatch) {
        dispatched = events.length;
        due.push(...events.splice(0));
      }
      const leased = due.splice(0, step.lease).map((id) => ({ delivery: { id, webhookId: `msg_${id}` }, leaseToken: 't', signing: { keys: [] } }) as unknown as LeasedDelivery);
      return { dispatched, leased };
    },
    attempt(leased) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<MadeAttempt>((resolve) => {
        const answer = () => {
          inFlight--;
          resolve({ delivery: leased.delivery, leaseToken: 't', attempt: {}, next: { state: 'succeeded', nextAttemptAt: null }, outcome: 200 } as unknown as MadeAttempt);
        };
        if (autoAnswer) setTimeout(answer, 2);
        else pending.push({ id: leased.delivery.id, answer });
      });
    },
  };
  return {
    service,
    /** Commits events: the worker sees them at its next dispatch. */
    commit(...ids: number[]) {
      events.push(...ids);
    },
    /** Deliveries due already (dispatched before). */
    makeDue(...ids: number[]) {
      due.push(...ids);
    },
    recorded,
    cycles,
    maxInFlight: () => maxInFlight,
    inFlight: () => inFlight,
    holdAnswers() {
      autoAnswer = false;
    },
    answerAll() {
      for (const p of pending.splice(0)) p.answer();
    },
    pending,
  };
}

const quiet = { info() {}, warn() {}, error() {} };
const workers: WebhookWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

function start(fake: ReturnType<typeof fakeService>, options: { concurrency?: number; onEventsCommitted?: (listener: () => void) => () => void } = {}) {
  const worker = startWebhookWorker({ webhooks: fake.service, logger: quiet, intervalMs: 3_600_000, concurrency: options.concurrency ?? 8, onEventsCommitted: options.onEventsCommitted });
  workers.push(worker);
  return worker;
}

const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('startWebhookWorker', () => {
  it('sends every due delivery with at most `concurrency` in flight, records each once, and ends the pass when nothing is left', async () => {
    const fake = fakeService();
    fake.commit(...ids(1, 100));
    const worker = start(fake, { concurrency: 8 });
    const result = await worker.runOnce();
    expect(fake.maxInFlight()).toBeLessThanOrEqual(8);
    expect(fake.maxInFlight()).toBeGreaterThan(1);
    expect([...fake.recorded].sort((a, b) => a - b)).toEqual(ids(1, 100));
    expect(fake.inFlight()).toBe(0);
    expect(result).toEqual({ dispatched: 100, attempted: 100 });
    // Answers share steps: far fewer steps than deliveries.
    expect(fake.cycles.length).toBeLessThan(100);
  });

  it('is woken by a commit signal at once, however long its interval', async () => {
    const fake = fakeService();
    let signal = () => {};
    const worker = start(fake, {
      onEventsCommitted: (listener) => {
        signal = listener;
        return () => {};
      },
    });
    await worker.runOnce();
    fake.commit(7);
    signal();
    const until = Date.now() + 5_000;
    while (!fake.recorded.includes(7) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fake.recorded).toEqual([7]);
  });

  it('runOnce during a pass waits for a look that started after the call', async () => {
    const fake = fakeService();
    fake.holdAnswers();
    fake.commit(1);
    const worker = start(fake);
    // The start-up pass has leased 1 and waits for its answer.
    while (fake.pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    fake.commit(2);
    const once = worker.runOnce();
    let done = false;
    void once.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    while (!(fake.pending.length === 2 || done)) {
      fake.answerAll();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    fake.answerAll();
    await once;
    expect([...fake.recorded].sort()).toEqual([1, 2]);
  });

  it('stops leasing when stopped, and records the answers still in flight before stop() resolves', async () => {
    const fake = fakeService();
    fake.holdAnswers();
    fake.commit(...ids(1, 20));
    const worker = start(fake, { concurrency: 4 });
    while (fake.pending.length < 4) await new Promise((resolve) => setTimeout(resolve, 1));
    const stopped = worker.stop();
    fake.answerAll();
    await stopped;
    expect([...fake.recorded].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    expect(fake.pending).toEqual([]);
    expect(await worker.runOnce()).toEqual({ dispatched: 0, attempted: 0 });
  });

  it('records answers even while dispatching fails: the failing step is retried without the dispatch', async () => {
    const fake = fakeService({ failDispatch: 1_000_000 });
    // Deliveries due already; a new event cannot be dispatched (every step that dispatches fails).
    fake.makeDue(1, 2, 3);
    fake.commit(4);
    const worker = start(fake);
    await worker.runOnce();
    expect([...fake.recorded].sort()).toEqual([1, 2, 3]);
  });
});
