import { expect, it } from 'vitest';
import type { NewPaymentSchedule, PaymentSchedule } from '../domain/schedules';
import { forEachDatabase } from '../../test/support/databases';
import { at, newPaymentInput, seedStore } from './test-fixtures';
import type { Store } from './types';

function newSchedule(storeId: number, overrides: Partial<NewPaymentSchedule> = {}): NewPaymentSchedule {
  return {
    storeId,
    merchantUid: 'sched0001',
    customerUid: 'cust_0001',
    customerId: 'member01',
    scheduleAt: at(60_000),
    amount: 12_500,
    currency: 'KRW',
    taxFree: 500,
    vatAmount: 1_090,
    name: '정기구독 1월',
    buyerName: '홍길동',
    buyerEmail: 'buyer@example.com',
    buyerTel: '010-1234-5678',
    buyerAddr: '서울시 중구',
    buyerPostcode: '04524',
    customData: '{"plan":"basic"}',
    noticeUrl: 'https://shop.example/hook',
    chargeFields: { card_quota: 0, product_type: 'digital', bypass: { smartro_v2: { GoodsCnt: '1' } } },
    createdAt: at(0),
    ...overrides,
  };
}

/** The schedule as stored right after insertion. */
function inserted(input: NewPaymentSchedule, id: number, overrides: Partial<PaymentSchedule> = {}): PaymentSchedule {
  return {
    ...input,
    id,
    status: 'scheduled',
    paymentId: null,
    impUid: null,
    executedAt: null,
    revokedAt: null,
    failReason: null,
    runAfterPaymentId: null,
    leaseToken: null,
    leaseUntil: null,
    updatedAt: input.createdAt,
    ...overrides,
  };
}

const lease = (token: string, untilMs: number) => ({ token, until: at(untilMs) });

forEachDatabase((db, getStore, { connectAgain }) => {
  it('stores a request’s schedules with every field and reads them back, alone and together', async () => {
    const store = getStore();
    const { store: merchant } = await seedStore(store);
    const a = newSchedule(merchant.id);
    const b = newSchedule(merchant.id, { merchantUid: 'sched0002', customerId: null, taxFree: null, vatAmount: null, customData: null, noticeUrl: null, chargeFields: {}, scheduleAt: at(120_000) });
    const result = await store.schedules.insertMany([a, b]);
    if (!result.ok) throw new Error('insert refused');
    const [sa, sb] = result.schedules;
    expect(result.schedules).toEqual([inserted(a, sa!.id), inserted(b, sb!.id)]);
    expect(await store.schedules.find(merchant.id, 'sched0001')).toEqual(sa);
    expect(await store.schedules.findMany(merchant.id, ['sched0002', 'sched0001', 'missing'])).toEqual([sa, sb]);
    expect(await store.schedules.find(merchant.id, 'missing')).toBeNull();
  });

  it('refuses a request with a merchant_uid scheduled already, writing none of it; another store may use it', async () => {
    const store = getStore();
    const { store: merchant } = await seedStore(store);
    const other = await seedStore(store);
    expect((await store.schedules.insertMany([newSchedule(merchant.id)])).ok).toBe(true);
    const again = await store.schedules.insertMany([newSchedule(merchant.id, { merchantUid: 'fresh0001' }), newSchedule(merchant.id, { amount: 1 })]);
    expect(again).toEqual({ ok: false, merchantUid: 'sched0001' });
    expect(await store.schedules.find(merchant.id, 'fresh0001')).toBeNull();
    expect((await store.schedules.find(merchant.id, 'sched0001'))?.amount).toBe(12_500);
    const elsewhere = await store.schedules.insertMany([newSchedule(other.store.id)]);
    expect(elsewhere.ok).toBe(true);
    expect(await store.schedules.find(other.store.id, 'sched0001')).toMatchObject({ storeId: other.store.id, merchantUid: 'sched0001' });
  });

  it('lists a window [from, to) by schedule_at, newest or oldest first, by state and by customer, one page at a time', async () => {
    const store = getStore();
    const { store: merchant } = await seedStore(store);
    const other = await seedStore(store);
    const times = [10_000, 20_000, 30_000, 40_000, 50_000];
    const made = await store.schedules.insertMany(
      times.map((t, i) => newSchedule(merchant.id, { merchantUid: `m${i}`, scheduleAt: at(t), customerUid: i % 2 === 0 ? 'even' : 'odd' })),
    );
    if (!made.ok) throw new Error('insert refused');
    await store.schedules.insertMany([newSchedule(other.store.id, { merchantUid: 'm9', scheduleAt: at(20_000) })]);
    const [m0, m1, m2, m3] = made.schedules;
    const [r3] = await store.schedules.revoke(merchant.id, { merchantUids: ['m3'] }, at(1_000));

    const window = { from: at(10_000), to: at(40_000) };
    expect(await store.schedules.list(merchant.id, window, { offset: 0, limit: 10, order: 'desc' })).toEqual({ total: 3, schedules: [m2, m1, m0] });
    expect(await store.schedules.list(merchant.id, window, { offset: 0, limit: 2, order: 'asc' })).toEqual({ total: 3, schedules: [m0, m1] });
    expect(await store.schedules.list(merchant.id, window, { offset: 2, limit: 2, order: 'asc' })).toEqual({ total: 3, schedules: [m2] });
    expect(await store.schedules.list(merchant.id, { ...window, customerUid: 'even' }, { offset: 0, limit: 10, order: 'desc' })).toEqual({ total: 2, schedules: [m2, m0] });
    expect(await store.schedules.list(merchant.id, { from: at(0), to: at(60_000), statuses: ['revoked'] }, { offset: 0, limit: 10, order: 'desc' })).toEqual({ total: 1, schedules: [r3] });
    expect(r3).toEqual({ ...m3, status: 'revoked', revokedAt: at(1_000), updatedAt: at(1_000) });
    expect(await store.schedules.list(merchant.id, { from: at(60_000), to: at(90_000) }, { offset: 0, limit: 10, order: 'desc' })).toEqual({ total: 0, schedules: [] });
  });

  it('revokes only waiting schedules, by customer, by merchant_uids or both, answering them revoked', async () => {
    const store = getStore();
    const { store: merchant } = await seedStore(store);
    const made = await store.schedules.insertMany([
      newSchedule(merchant.id, { merchantUid: 'a1', customerUid: 'c1', scheduleAt: at(10_000) }),
      newSchedule(merchant.id, { merchantUid: 'a2', customerUid: 'c1', scheduleAt: at(20_000) }),
      newSchedule(merchant.id, { merchantUid: 'a3', customerUid: 'c1', scheduleAt: at(30_000) }),
      newSchedule(merchant.id, { merchantUid: 'b1', customerUid: 'c2', scheduleAt: at(10_000) }),
    ]);
    if (!made.ok) throw new Error('insert refused');
    const [, a2, a3, b1] = made.schedules;
    // a1 is being run: it cannot be revoked any more.
    await store.schedules.takeDue(at(10_000), 10, lease('t1', 70_000));
    expect(await store.schedules.revoke(merchant.id, { customerUid: 'c1', merchantUids: ['a1', 'a2', 'b1'] }, at(11_000))).toEqual([
      { ...a2!, status: 'revoked', revokedAt: at(11_000), updatedAt: at(11_000) },
    ]);
    expect(await store.schedules.revoke(merchant.id, { customerUid: 'c1' }, at(12_000))).toEqual([{ ...a3!, status: 'revoked', revokedAt: at(12_000), updatedAt: at(12_000) }]);
    expect(await store.schedules.revoke(merchant.id, { customerUid: 'c1' }, at(13_000))).toEqual([]);
    expect(await store.schedules.revoke(merchant.id, { merchantUids: [] }, at(13_000))).toEqual([]);
    expect((await store.schedules.find(merchant.id, 'a1'))?.status).toBe('running');
    expect(await store.schedules.find(merchant.id, 'b1')).toEqual({ ...b1!, status: 'running', runAfterPaymentId: 0, leaseToken: 't1', leaseUntil: at(70_000), updatedAt: at(10_000) });
  });

  it('moves a waiting schedule; reschedules only a failed or revoked one, forgetting its last run', async () => {
    const store = getStore();
    const { store: merchant } = await seedStore(store);
    const made = await store.schedules.insertMany([newSchedule(merchant.id, { merchantUid: 'w1' }), newSchedule(merchant.id, { merchantUid: 'w2', scheduleAt: at(5_000) })]);
    if (!made.ok) throw new Error('insert refused');
    const [w1, w2] = made.schedules;
    expect(await store.schedules.moveScheduled(merchant.id, 'w1', at(90_000), at(2_000))).toEqual({ ...w1!, scheduleAt: at(90_000), updatedAt: at(2_000) });
    expect(await store.schedules.reschedule(merchant.id, 'w1', at(95_000), at(2_000))).toBeNull();
    expect(await store.schedules.moveScheduled(merchant.id, 'missing', at(90_000), at(2_000))).toBeNull();

    const [taken] = await store.schedules.takeDue(at(5_000), 10, lease('t', 65_000));
    expect(taken?.merchantUid).toBe('w2');
    expect(await store.schedules.moveScheduled(merchant.id, 'w2', at(90_000), at(6_000))).toBeNull();
    const failed = await store.schedules.finish(taken!, 't', { status: 'failed', paymentId: null, impUid: null, executedAt: at(6_000), failReason: '한도초과' }, at(6_000));
    expect(failed).toEqual({ ...w2!, status: 'failed', executedAt: at(6_000), failReason: '한도초과', runAfterPaymentId: 0, updatedAt: at(6_000) });
    expect(await store.schedules.moveScheduled(merchant.id, 'w2', at(90_000), at(7_000))).toBeNull();
    expect(await store.schedules.reschedule(merchant.id, 'w2', at(99_000), at(7_000))).toEqual({ ...failed!, status: 'scheduled', scheduleAt: at(99_000), executedAt: null, failReason: null, updatedAt: at(7_000) });
  });

  it('takes what is due once, floors the run at the order’s highest payment, and takes over a run whose lease ran out', async () => {
    const store = getStore();
    const { store: merchant, channel } = await seedStore(store);
    const made = await store.schedules.insertMany([
      newSchedule(merchant.id, { merchantUid: 'd1', scheduleAt: at(10_000) }),
      newSchedule(merchant.id, { merchantUid: 'd2', scheduleAt: at(20_000) }),
      newSchedule(merchant.id, { merchantUid: 'd3', scheduleAt: at(30_000) }),
    ]);
    if (!made.ok) throw new Error('insert refused');
    const [d1, d2] = made.schedules;
    // An earlier payment of d1's order (a failed attempt of some earlier run): the run's payments come above it.
    const earlier = await store.payments.insert(newPaymentInput(merchant.id, channel.id, { merchantUid: 'd1' }));
    await store.payments.insert(newPaymentInput(merchant.id, channel.id, { merchantUid: 'unrelated' }));

    expect(await store.schedules.takeDue(at(9_999), 10, lease('early', 70_000))).toEqual([]);
    const first = await store.schedules.takeDue(at(20_000), 10, lease('A', 80_000));
    expect(first).toEqual([
      { ...d1!, status: 'running', runAfterPaymentId: earlier.id, leaseToken: 'A', leaseUntil: at(80_000), updatedAt: at(20_000) },
      { ...d2!, status: 'running', runAfterPaymentId: 0, leaseToken: 'A', leaseUntil: at(80_000), updatedAt: at(20_000) },
    ]);
    // Taken, and the lease holds: nobody else gets them.
    expect(await store.schedules.takeDue(at(79_999), 10, lease('B', 140_000))).toEqual([expect.objectContaining({ merchantUid: 'd3', leaseToken: 'B' })]);

    // d1's run links its open payment; then A dies. After the lease, C takes the run over with the same floor.
    const mine = await store.payments.insert(newPaymentInput(merchant.id, channel.id, { merchantUid: 'd1', customerUidUsage: 'payment.scheduled' }));
    const linked = await store.schedules.link(first[0]!, 'A', { paymentId: mine.id, impUid: mine.impUid }, at(85_000), at(21_000));
    expect(linked).toEqual({ ...first[0]!, paymentId: mine.id, impUid: mine.impUid, leaseUntil: at(85_000), updatedAt: at(21_000) });
    expect(await store.schedules.link(first[0]!, 'B', { paymentId: mine.id, impUid: mine.impUid }, at(99_000), at(21_000))).toBeNull();
    const takenOver = await store.schedules.takeDue(at(85_001), 1, lease('C', 150_000));
    expect(takenOver).toEqual([{ ...linked!, leaseToken: 'C', leaseUntil: at(150_000), updatedAt: at(85_001) }]);

    // A comes back: its lease is gone, it can record nothing. C records the run.
    const outcome = { status: 'executed' as const, paymentId: mine.id, impUid: mine.impUid, executedAt: at(86_000), failReason: null };
    expect(await store.schedules.finish(first[0]!, 'A', outcome, at(86_000))).toBeNull();
    const done = await store.schedules.finish(first[0]!, 'C', outcome, at(86_000));
    expect(done).toEqual({ ...takenOver[0]!, status: 'executed', executedAt: at(86_000), leaseToken: null, leaseUntil: null, updatedAt: at(86_000) });
    expect(await store.schedules.finish(first[0]!, 'C', outcome, at(87_000))).toBeNull();
    expect(await store.schedules.takeDue(at(999_999), 10, lease('D', 1_000_000))).toEqual([expect.objectContaining({ merchantUid: 'd2', leaseToken: 'D' }), expect.objectContaining({ merchantUid: 'd3', leaseToken: 'D' })]);
  });

  it('takes a failed or revoked schedule for a retry once, and gives it back as it was', async () => {
    const store = getStore();
    const { store: merchant } = await seedStore(store);
    const made = await store.schedules.insertMany([newSchedule(merchant.id, { merchantUid: 'r1' }), newSchedule(merchant.id, { merchantUid: 'r2' })]);
    if (!made.ok) throw new Error('insert refused');
    expect(await store.schedules.takeForRetry(merchant.id, 'r1', at(1_000), lease('x', 61_000))).toBeNull();
    const [revoked] = await store.schedules.revoke(merchant.id, { merchantUids: ['r1'] }, at(2_000));
    const taken = await store.schedules.takeForRetry(merchant.id, 'r1', at(3_000), lease('x', 63_000));
    expect(taken).toEqual({ ...revoked!, status: 'running', revokedAt: null, runAfterPaymentId: 0, leaseToken: 'x', leaseUntil: at(63_000), updatedAt: at(3_000) });
    expect(await store.schedules.takeForRetry(merchant.id, 'r1', at(3_000), lease('y', 63_000))).toBeNull();
    expect(await store.schedules.release(revoked!, 'y', at(4_000))).toBeNull();
    expect(await store.schedules.release(revoked!, 'x', at(4_000))).toEqual({ ...revoked!, runAfterPaymentId: 0, updatedAt: at(4_000) });
  });

  it.runIf(db === 'postgres')('gives each due schedule to one of two schedulers racing on separate pools', async () => {
    const store = getStore();
    const other = await connectAgain();
    const { store: merchant } = await seedStore(store);
    const count = 60;
    const made = await store.schedules.insertMany(Array.from({ length: count }, (_, i) => newSchedule(merchant.id, { merchantUid: `race${i}`, scheduleAt: at(i) })));
    expect(made.ok).toBe(true);
    const takers: Store[] = [store, other];
    const taken: string[][] = [[], []];
    // Small batches, many rounds, both at once: the schedulers interleave.
    await Promise.all(
      takers.map(async (s, i) => {
        for (let round = 0; round < 40; round++) {
          const batch = await s.schedules.takeDue(at(100_000), 3, lease(`taker${i}`, 200_000));
          taken[i]!.push(...batch.map((b) => b.merchantUid));
        }
      }),
    );
    const all = [...taken[0]!, ...taken[1]!].sort();
    expect(all).toEqual(Array.from({ length: count }, (_, i) => `race${i}`).sort());
  });
});
