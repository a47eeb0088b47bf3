import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { applied, at, newPaymentInput, paymentEvents as ev, seedStore } from './test-fixtures';
import type { NewWebhookDelivery, RecordedAttempt, Store, WebhookDelivery } from './types';

/**
 * The webhook outbox's store side (issue 10, benchmark 4): events with their payments' routing,
 * leases that never take more than asked nor a payment's later webhook before its earlier one,
 * attempts recorded in batches only under their lease, and the "events committed" signal.
 */

async function paidPayments(store: Store, n: number, noticeUrl: string | null = null) {
  const { store: s, channel } = await seedStore(store);
  const payments = [];
  for (let i = 0; i < n; i++) {
    const fresh = await store.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid: `order-${i}`, noticeUrl, customerUid: null, customerUidUsage: null }));
    const requested = await applied(store, fresh, ev.requested(`tid-${i}`, at(1_000)));
    payments.push(await applied(store, requested, ev.approved(`tid-${i}`, at(2_000))));
  }
  return { storeId: s.id, payments };
}

function delivery(storeId: number, paymentId: number, eventId: number | null, overrides: Partial<NewWebhookDelivery> = {}): NewWebhookDelivery {
  return {
    webhookId: `msg_${storeId}_${paymentId}_${eventId}_${overrides.url ?? 'a'}`,
    storeId,
    paymentId,
    eventId,
    kind: 'event',
    url: 'https://shop.example/hook',
    contentType: 'json',
    payload: { imp_uid: 'imp_000000000001', merchant_uid: 'order', status: 'paid' },
    schedule: 'gyeol',
    nextAttemptAt: at(3_000),
    createdAt: at(3_000),
    ...overrides,
  };
}

const lease = (token: string) => ({ token, until: at(60_000) });

function recorded(d: WebhookDelivery, leaseToken: string, status: number | null): RecordedAttempt {
  return {
    delivery: d,
    leaseToken,
    attempt: { attemptedAt: at(4_000), status, latencyMs: 3, error: status === null ? 'network: down' : null, responseExcerpt: status === null ? null : 'OK' },
    next: status === 200 ? { state: 'succeeded', nextAttemptAt: null } : { state: 'pending', nextAttemptAt: at(34_000) },
  };
}

forEachDatabase((_db, getStore, { connectAgain }) => {
  it("gives each undispatched event with its payment's routing, oldest first", async () => {
    const store = getStore();
    const { payments } = await paidPayments(store, 2, '["https://a.example/hook"]');
    const events = await store.transaction((repos) => repos.webhooks.takeUndispatchedEvents(10));
    expect(events.map((e) => [e.paymentId, e.type, e.payment])).toEqual([
      [payments[0]!.id, 'payment.paid', { sandbox: true, noticeUrl: '["https://a.example/hook"]', customerUidUsage: null }],
      [payments[1]!.id, 'payment.paid', { sandbox: true, noticeUrl: '["https://a.example/hook"]', customerUidUsage: null }],
    ]);
    await store.webhooks.markDispatched([events[0]!.id], at(3_000));
    expect((await store.transaction((repos) => repos.webhooks.takeUndispatchedEvents(10))).map((e) => e.id)).toEqual([events[1]!.id]);
  });

  it('leases at most the number asked for, each due delivery once, and never one while an earlier of its payment to its URL is pending', async () => {
    const store = getStore();
    const { storeId, payments } = await paidPayments(store, 30);
    const [first] = payments;
    // 30 payments, each one delivery; the first payment has a second, later delivery to the same URL.
    await store.webhooks.insertDeliveries(payments.map((p, i) => delivery(storeId, p.id, null, { webhookId: `msg_${i}` })));
    await store.webhooks.insertDeliveries([delivery(storeId, first!.id, null, { webhookId: 'msg_later' })]);

    const a = await store.webhooks.leaseDue(at(5_000), 7, lease('a'));
    expect(a).toHaveLength(7);
    const b = await store.webhooks.leaseDue(at(5_000), 100, lease('b'));
    expect(b).toHaveLength(23);
    const all = [...a, ...b].map((d) => d.webhookId);
    expect(new Set(all).size).toBe(30);
    expect(all).not.toContain('msg_later');
    expect([...a, ...b].every((d) => d.attempts === 1)).toBe(true);
    expect(await store.webhooks.leaseDue(at(5_000), 100, lease('c'))).toEqual([]);

    // The earlier one answered: the later one may go.
    const earlier = [...a, ...b].find((d) => d.webhookId === 'msg_0')!;
    const token = a.includes(earlier) ? 'a' : 'b';
    expect(await store.webhooks.recordAttempts([recorded(earlier, token, 200)])).toEqual([true]);
    expect((await store.webhooks.leaseDue(at(5_000), 100, lease('d'))).map((d) => d.webhookId)).toEqual(['msg_later']);
  });

  it('records a batch of attempts in one go, each only under its own lease', async () => {
    const store = getStore();
    const { storeId, payments } = await paidPayments(store, 4);
    await store.webhooks.insertDeliveries(payments.map((p, i) => delivery(storeId, p.id, null, { webhookId: `msg_${i}` })));
    const leased = await store.webhooks.leaseDue(at(5_000), 4, lease('mine'));
    const [lostA, failed, lostB, answered] = [...leased].sort((x, y) => x.webhookId.localeCompare(y.webhookId));
    // Our lease ran out and another sender took all four over; it records two of them, we try the other two.
    await store.webhooks.leaseDue(at(61_000), 4, { token: 'theirs', until: at(120_000) });
    const held = await store.webhooks.recordAttempts([recorded(lostA!, 'mine', 200), recorded(failed!, 'theirs', null), recorded(lostB!, 'mine', 200), recorded(answered!, 'theirs', 200)]);
    expect(held).toEqual([false, true, false, true]);

    const state = async (webhookId: string) => {
      const found = (await store.webhooks.findDelivery(storeId, webhookId))!;
      return { state: found.state, lastStatus: found.lastStatus, lastError: found.lastError, nextAttemptAt: found.nextAttemptAt, leaseToken: found.leaseToken, attempts: (await store.webhooks.attemptsOf(storeId, [found.id])).map((x) => x.status) };
    };
    expect(await state(failed!.webhookId)).toEqual({ state: 'pending', lastStatus: null, lastError: 'network: down', nextAttemptAt: at(34_000), leaseToken: null, attempts: [null] });
    expect(await state(answered!.webhookId)).toEqual({ state: 'succeeded', lastStatus: 200, lastError: null, nextAttemptAt: null, leaseToken: null, attempts: [200] });
    // Not recorded (the lease was someone else's): still leased by them, no attempt written.
    expect(await state(lostA!.webhookId)).toEqual({ state: 'pending', lastStatus: null, lastError: null, nextAttemptAt: at(3_000), leaseToken: 'theirs', attempts: [] });
    expect(await state(lostB!.webhookId)).toMatchObject({ leaseToken: 'theirs', attempts: [] });
    expect(await store.webhooks.recordAttempts([])).toEqual([]);
  });

  it('lets two stores on one database lease at once without taking a delivery twice', async () => {
    const store = getStore();
    const other = await connectAgain();
    const { storeId, payments } = await paidPayments(store, 60);
    await store.webhooks.insertDeliveries(payments.map((p, i) => delivery(storeId, p.id, null, { webhookId: `msg_${i}` })));
    const rounds = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 === 0 ? store : other).webhooks.leaseDue(at(5_000), 15, lease(`t${i}`))));
    const ids = rounds.flat().map((d) => d.webhookId);
    expect(rounds.every((r) => r.length <= 15)).toBe(true);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
  });

  it('signals committed events after the commit: at once outside a transaction, at the end of one, never for a rolled-back one', async () => {
    const store = getStore();
    const { store: s, channel } = await seedStore(store);
    let signals = 0;
    const unsubscribe = store.onEventsCommitted(() => signals++);
    const fresh = await store.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid: 'sig-1' }));
    // A change without events (the approval request) signals nothing.
    const requested = await applied(store, fresh, ev.requested('tid-s1', at(1_000)));
    expect(signals).toBe(0);
    await applied(store, requested, ev.approved('tid-s1', at(2_000)));
    expect(signals).toBe(1);

    const other = await store.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid: 'sig-2' }));
    const otherRequested = await applied(store, other, ev.requested('tid-s2', at(1_000)));
    await expect(
      store.transaction(async (repos) => {
        await applied(repos, otherRequested, ev.approved('tid-s2', at(2_000)));
        expect(signals).toBe(1);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(signals).toBe(1);
    await store.transaction(async (repos) => {
      await applied(repos, otherRequested, ev.approved('tid-s2', at(2_000)));
      expect(signals).toBe(1);
    });
    expect(signals).toBe(2);
    unsubscribe();
    await store.transaction(async (repos) => {
      const third = await repos.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid: 'sig-3' }));
      await applied(repos, await applied(repos, third, ev.requested('tid-s3', at(1_000))), ev.approved('tid-s3', at(2_000)));
    });
    expect(signals).toBe(2);
  });
});
