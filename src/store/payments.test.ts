import { expect, it } from 'vitest';
import { MAX_MINOR_UNITS } from '../domain/money';
import { EMPTY_BANK, EMPTY_CARD, EMPTY_PASS_THROUGH, type MethodDetails, type Payment } from '../domain/payment';
import type { DomainEvent } from '../domain/payment-transitions';
import { forEachDatabase } from '../../test/support/databases';
import { isUniqueViolation } from './dialect';
import { SAMPLE_CARD, T0, accepted, applied, at, newPaymentInput, paymentEvents as ev, seedStore } from './test-fixtures';
import type { NewPayment, Store, StrayApproval } from './types';

async function setup(store: Store) {
  const a = await seedStore(store);
  const b = await seedStore(store);
  return { storeId: a.store.id, channelId: a.channel.id, other: { storeId: b.store.id, channelId: b.channel.id } };
}

/** A new payment as the store must hand it back: the input plus every column's starting value. */
function asInserted(input: NewPayment, id: number): Payment {
  return {
    ...input,
    id,
    pgTid: null,
    cancelAmount: 0,
    cancelReserved: 0,
    approvalState: 'none',
    approvalRequestedAt: null,
    approvalUnverified: false,
    reconcileAfter: null,
    reconcileAttempts: 0,
    pgAuthSealed: null,
    card: EMPTY_CARD,
    bank: EMPTY_BANK,
    vbank: null,
    embPgProvider: null,
    failReason: null,
    failCode: null,
    receiptUrl: null,
    paidAt: null,
    failedAt: null,
    cancelledAt: null,
    updatedAt: input.startedAt,
  };
}

function domainEvent(payment: Payment, type: DomainEvent['type'], status: Payment['status'], occurredAt: Date): DomainEvent {
  return { type, impUid: payment.impUid, merchantUid: payment.merchantUid, status, occurredAt };
}

/** What a payment in `requested` becomes on a PG approval with `details` at `when` (see paymentEvents.approved). */
function approvedFrom(requested: Payment, when: Date, status: 'paid' | 'ready'): Payment {
  return {
    ...requested,
    status,
    approvalState: 'approved',
    approvalUnverified: false,
    reconcileAfter: null,
    paidAt: status === 'paid' ? new Date(when.getTime() - 1_000) : null,
    receiptUrl: `https://pg.example/receipt/${requested.pgTid}`,
    failCode: null,
    failReason: null,
    failedAt: null,
    updatedAt: when,
  };
}

forEachDatabase((_db, getStore) => {
  it('round-trips every field of a new payment', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const input = newPaymentInput(storeId, channelId, {
      sandbox: true,
      escrow: true,
      channel: 'mobile',
      payMethod: 'vbank',
      currency: 'USD',
      amount: 12_50,
      taxFree: 2_50,
      vatAmount: 91,
      passThrough: {
        digital: false,
        vbankDue: '20260120235959',
        customerId: 'member42',
        cardDirect: { code: null, quota: 0 },
        bypass: { smartro_v2: { OpenType: 'EN' }, nested: [1, '둘', null] },
        language: 'en',
        period: { from: '20260101', to: '20260131' },
      },
      startedAt: new Date(1_767_225_600_987),
    });
    const saved = await store.payments.insert(input);
    const expected = asInserted(input, saved.id);
    expect(saved).toEqual(expected);
    expect(saved.customData).toBe('{"b": 1,  "a": [true, null, "x"]}');
    expect(await store.payments.findById(storeId, saved.id)).toEqual(expected);
    expect(await store.payments.findByImpUid(storeId, input.impUid)).toEqual(expected);
    expect(await store.payments.findByMerchantUid(storeId, input.merchantUid)).toEqual(expected);
  });

  it('stores nulls and falsy values as they are', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const input = newPaymentInput(storeId, channelId, {
      sandbox: false,
      escrow: false,
      name: null,
      buyerName: null,
      buyerEmail: null,
      buyerTel: null,
      buyerAddr: null,
      buyerPostcode: null,
      customData: null,
      noticeUrl: null,
      userAgent: null,
      amount: 0,
      taxFree: null,
      vatAmount: null,
      passThrough: EMPTY_PASS_THROUGH,
    });
    const saved = await store.payments.insert(input);
    expect(saved).toEqual(asInserted(input, saved.id));
    expect(await store.payments.findById(storeId, saved.id)).toEqual(saved);
    const zeroTax = await store.payments.insert(newPaymentInput(storeId, channelId, { taxFree: 0, vatAmount: 0 }));
    expect(await store.payments.findById(storeId, zeroTax.id)).toMatchObject({ taxFree: 0, vatAmount: 0 });
  });

  it('keeps amounts up to 999_999_999_999 exact', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const saved = await store.payments.insert(newPaymentInput(storeId, channelId, { amount: MAX_MINOR_UNITS, taxFree: MAX_MINOR_UNITS - 1, vatAmount: 90_909_090_909 }));
    const found = await store.payments.findById(storeId, saved.id);
    expect(found).toMatchObject({ amount: 999_999_999_999, taxFree: 999_999_999_998, vatAmount: 90_909_090_909, startedAt: T0 });
  });

  it('refuses a duplicate imp_uid, a missing channel and a negative amount', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(storeId, channelId));
    const error = await store.payments.insert(newPaymentInput(other.storeId, other.channelId, { impUid: p.impUid })).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    await expect(store.payments.insert(newPaymentInput(storeId, 999_999))).rejects.toThrow();
    await expect(store.payments.insert(newPaymentInput(storeId, channelId, { amount: -1 }))).rejects.toThrow();
  });

  it('applies a card approval: every column, and its event in the same transaction', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const fresh = await store.payments.insert(newPaymentInput(storeId, channelId));
    const requested = await applied(store, fresh, ev.requested('tid-1', at(1_000)));
    const result = await store.payments.apply(storeId, fresh.id, accepted(requested, ev.approved('tid-1', at(5_000))));
    const expected: Payment = { ...approvedFrom(requested, at(5_000), 'paid'), card: SAMPLE_CARD };
    expect(expected.receiptUrl).toBe('https://pg.example/receipt/tid-1');
    expect(result).toEqual({ ok: true, payment: expected, events: [domainEvent(fresh, 'payment.paid', 'paid', at(5_000))] });
    expect(await store.payments.findById(storeId, fresh.id)).toEqual(expected);
    expect(await store.payments.eventsOf(storeId, fresh.id)).toEqual([
      { id: expect.any(Number), storeId, paymentId: fresh.id, ...domainEvent(fresh, 'payment.paid', 'paid', at(5_000)) },
    ]);
  });

  const otherMethods: [string, MethodDetails, Partial<Payment>, 'paid' | 'ready'][] = [
    ['a bank transfer', { method: 'trans', bank: { bankCode: '088', bankName: '신한은행' } }, { bank: { bankCode: '088', bankName: '신한은행' } }, 'paid'],
    [
      'an issued virtual account',
      {
        method: 'vbank',
        vbank: { vbankCode: '004', vbankName: 'KB국민은행', vbankNum: '12345678901234', vbankHolder: '결', vbankDate: at(86_400_000), vbankIssuedAt: at(4_500) },
      },
      { vbank: { vbankCode: '004', vbankName: 'KB국민은행', vbankNum: '12345678901234', vbankHolder: '결', vbankDate: at(86_400_000), vbankIssuedAt: at(4_500) } },
      'ready',
    ],
    [
      'a virtual account without deadline or names',
      { method: 'vbank', vbank: { vbankCode: null, vbankName: null, vbankNum: '1', vbankHolder: null, vbankDate: null, vbankIssuedAt: at(4_500) } },
      { vbank: { vbankCode: null, vbankName: null, vbankNum: '1', vbankHolder: null, vbankDate: null, vbankIssuedAt: at(4_500) } },
      'ready',
    ],
    ['an easy pay with its card', { method: 'easypay', embPgProvider: 'kakaopay', card: SAMPLE_CARD }, { embPgProvider: 'kakaopay', card: SAMPLE_CARD }, 'paid'],
    ['an easy pay without a card', { method: 'easypay', embPgProvider: 'naverpay', card: null }, { embPgProvider: 'naverpay' }, 'paid'],
    ['a phone payment', { method: 'phone' }, {}, 'paid'],
  ];
  for (const [what, details, columns, status] of otherMethods) {
    it(`applies ${what}: its own columns and nothing else`, async () => {
      const store = getStore();
      const { storeId, channelId } = await setup(store);
      const fresh = await store.payments.insert(newPaymentInput(storeId, channelId));
      const requested = await applied(store, fresh, ev.requested('tid-1', at(1_000)));
      const result = await store.payments.apply(storeId, fresh.id, accepted(requested, ev.approved('tid-1', at(5_000), details)));
      const expected: Payment = { ...approvedFrom(requested, at(5_000), status), ...columns };
      const event = status === 'paid' ? domainEvent(fresh, 'payment.paid', 'paid', at(5_000)) : domainEvent(fresh, 'payment.vbank_issued', 'ready', at(5_000));
      expect(result).toEqual({ ok: true, payment: expected, events: [event] });
      expect(await store.payments.findById(storeId, fresh.id)).toEqual(expected);
      expect(await store.payments.eventsOf(storeId, fresh.id)).toEqual([{ id: expect.any(Number), storeId, paymentId: fresh.id, ...event }]);
    });
  }

  it('applies a signed decline, and an unknown outcome whose note an approval clears', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const a = await store.payments.insert(newPaymentInput(storeId, channelId));
    const aRequested = await applied(store, a, ev.requested('tid-a', at(1_000)));
    expect(await applied(store, aRequested, ev.declined('tid-a', at(2_000)))).toEqual({
      ...aRequested,
      status: 'failed',
      approvalState: 'declined',
      approvalUnverified: false,
      reconcileAfter: null,
      reconcileAttempts: 0,
      failCode: '3051',
      failReason: '한도초과',
      failedAt: at(2_000),
      updatedAt: at(2_000),
    });

    const b = await store.payments.insert(newPaymentInput(storeId, channelId));
    const bRequested = await applied(store, b, ev.requested('tid-b', at(1_000)));
    const bUnknown = await applied(store, bRequested, ev.unknown(null, at(2_000)));
    expect(bUnknown).toEqual({ ...bRequested, approvalState: 'unknown', failReason: 'approval timed out', reconcileAfter: at(17_000), updatedAt: at(2_000) });
    const bRetry = await applied(store, bUnknown, ev.inquiryFailed(at(17_000), at(47_000), 1));
    expect(bRetry).toEqual({ ...bUnknown, reconcileAfter: at(47_000), reconcileAttempts: 1, failReason: '조회 실패', updatedAt: at(17_000) });
    const bPaid = await applied(store, bRetry, ev.approved('tid-b', at(47_000)));
    expect(bPaid).toEqual({ ...approvedFrom(bRetry, at(47_000), 'paid'), card: SAMPLE_CARD });
    expect(bPaid.failReason).toBeNull();
  });

  it('keeps an unsigned decline open for the double-check, then records each step’s events in order', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(storeId, channelId));
    const requested = await applied(store, p, ev.requested('tid-1', at(1_000)));
    const unverified = await applied(store, requested, ev.declined(null, at(2_000), false));
    expect(unverified).toEqual({
      ...requested,
      status: 'failed',
      approvalState: 'declined',
      approvalUnverified: true,
      reconcileAfter: at(2_000),
      reconcileAttempts: 0,
      failCode: '9999',
      failReason: '시스템에러 잠시후 재 거래',
      failedAt: at(2_000),
      updatedAt: at(2_000),
    });
    const retried = await applied(store, unverified, ev.inquiryFailed(at(3_000), at(18_000), 1));
    expect(retried).toEqual({ ...unverified, reconcileAfter: at(18_000), reconcileAttempts: 1, updatedAt: at(3_000) });
    const paid = await applied(store, retried, ev.approved('tid-1', at(18_000)));
    expect(paid).toEqual({ ...approvedFrom(retried, at(18_000), 'paid'), card: SAMPLE_CARD });
    expect(await store.payments.eventsOf(storeId, p.id)).toEqual([
      { id: expect.any(Number), storeId, paymentId: p.id, ...domainEvent(p, 'payment.failed', 'failed', at(2_000)) },
      { id: expect.any(Number), storeId, paymentId: p.id, ...domainEvent(p, 'payment.paid', 'paid', at(18_000)) },
    ]);
  });

  it('refuses a stale decision (the payment moved meanwhile) and writes none of its events', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(storeId, channelId));
    const abandon = accepted(p, ev.abandoned(at(2_000)));
    const requested = await applied(store, p, ev.requested('tid-1', at(1_000)));
    expect(await store.payments.apply(storeId, p.id, abandon)).toEqual({ ok: false, reason: 'state' });
    expect(await store.payments.findById(storeId, p.id)).toEqual(requested);
    expect(await store.payments.eventsOf(storeId, p.id)).toEqual([]);

    // Only the unverified flag differs: still stale.
    const unverified = await applied(store, requested, ev.declined(null, at(3_000), false));
    const confirmed = await applied(store, unverified, ev.declined('tid-1', at(4_000)));
    expect(await store.payments.apply(storeId, p.id, accepted(unverified, ev.approved('tid-1', at(5_000))))).toEqual({ ok: false, reason: 'state' });
    expect(await store.payments.findById(storeId, p.id)).toEqual(confirmed);
    expect((await store.payments.eventsOf(storeId, p.id)).map((e) => e.type)).toEqual(['payment.failed']);
  });

  it('applies nothing to a missing payment or one of another store', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(storeId, channelId));
    const pay = accepted(p, ev.approved('tid-x', at(1_000)));
    expect(await store.payments.apply(storeId, 987_654, pay)).toEqual({ ok: false, reason: 'state' });
    expect(await store.payments.apply(other.storeId, p.id, pay)).toEqual({ ok: false, reason: 'state' });
    expect(await store.payments.findById(storeId, p.id)).toEqual(p);
    expect(await store.payments.eventsOf(storeId, p.id)).toEqual([]);
  });

  it('rolls a change and its events back with the caller’s transaction', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(storeId, channelId));
    await expect(
      store.transaction(async (repos) => {
        const result = await repos.payments.apply(storeId, p.id, accepted(p, ev.abandoned(at(1_000))));
        expect(result).toMatchObject({ ok: true, payment: { status: 'failed' } });
        expect(await repos.payments.eventsOf(storeId, p.id)).toHaveLength(1);
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await store.payments.findById(storeId, p.id)).toEqual(p);
    expect(await store.payments.eventsOf(storeId, p.id)).toEqual([]);
  });

  it('lists the payments whose reconciliation is due, of every store, longest waiting first', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const insert = (sid: number, cid: number) => store.payments.insert(newPaymentInput(sid, cid));
    // ev.requested schedules the inquiry 30 s after the request.
    const due30 = await applied(store, await insert(storeId, channelId), ev.requested('t-30', at(0)));
    const due10 = await applied(store, await insert(storeId, channelId), ev.requested('t-10', at(-20_000)));
    const due40 = await applied(store, await insert(storeId, channelId), ev.requested('t-40', at(10_000)));
    const otherDue20 = await applied(store, await insert(other.storeId, other.channelId), ev.requested('t-20', at(-10_000)));
    await insert(storeId, channelId);
    const settled = await applied(store, await applied(store, await insert(storeId, channelId), ev.requested('t-paid', at(-30_000))), ev.approved('t-paid', at(-25_000)));
    expect(settled.reconcileAfter).toBeNull();

    expect(await store.payments.listReconcileDue(at(30_000), 10)).toEqual([due10, otherDue20, due30]);
    expect(await store.payments.listReconcileDue(at(29_999), 10)).toEqual([due10, otherDue20]);
    expect(await store.payments.listReconcileDue(at(30_000), 2)).toEqual([due10, otherDue20]);
    expect(await store.payments.listReconcileDue(at(9_999), 10)).toEqual([]);
    expect(await store.payments.listReconcileDue(at(40_000), 10)).toEqual([due10, otherDue20, due30, due40]);
  });

  it('lists a store’s payments whose PG outcome is open, by id', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const insert = () => store.payments.insert(newPaymentInput(storeId, channelId));
    const requested = await applied(store, await insert(), ev.requested('t-req', at(1)));
    const unknown = await applied(store, await applied(store, await insert(), ev.requested('t-unk', at(1))), ev.unknown(null, at(2)));
    const unverified = await applied(store, await applied(store, await insert(), ev.requested('t-unv', at(1))), ev.declined(null, at(2), false));
    // Not open: fresh, abandoned, paid, declined, an issued virtual account, a double-check given up.
    await insert();
    await applied(store, await insert(), ev.abandoned(at(1)));
    await applied(store, await applied(store, await insert(), ev.requested('t-paid', at(1))), ev.approved('t-paid', at(2)));
    await applied(store, await applied(store, await insert(), ev.requested('t-dec', at(1))), ev.declined('t-dec', at(2)));
    const vbank: MethodDetails = { method: 'vbank', vbank: { vbankCode: null, vbankName: null, vbankNum: '1', vbankHolder: null, vbankDate: null, vbankIssuedAt: at(2) } };
    await applied(store, await applied(store, await insert(), ev.requested('t-vb', at(1))), ev.approved('t-vb', at(2), vbank));
    const givenUp = await applied(store, await applied(store, await insert(), ev.requested('t-gu', at(1))), ev.declined(null, at(2), false));
    await applied(store, givenUp, ev.inquiryFailed(at(3), null, 3));
    // Another store's open payment.
    await applied(store, await store.payments.insert(newPaymentInput(other.storeId, other.channelId)), ev.requested('t-other', at(1)));

    expect(await store.payments.listInApproval(storeId)).toEqual([requested, unknown, unverified]);
  });

  it('records a stray approval once per PG transaction and lists a store’s own', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const seenIn = await store.payments.insert(newPaymentInput(storeId, channelId));
    const adopter = await store.payments.insert(newPaymentInput(storeId, channelId));
    const stray: Omit<StrayApproval, 'id'> = {
      storeId,
      channelId,
      pgProvider: 'smartro_v2',
      pgTid: 'tid-stray',
      pgId: 't_2411011m',
      merchantUid: 'order-elsewhere',
      amount: 999_999_999_999,
      approvedAt: at(1_234),
      seenInPaymentId: seenIn.id,
      state: 'needs_cancel',
      paymentId: null,
      createdAt: at(2_000),
    };
    const first = await store.strayApprovals.record(stray);
    expect(first).toEqual({ ...stray, id: expect.any(Number) });

    // Posted again (another window, later): the first record stands.
    const again = await store.strayApprovals.record({ ...stray, merchantUid: 'x', amount: 1, seenInPaymentId: adopter.id, createdAt: at(9_000) });
    expect(again).toEqual(first);

    // The same Tid of another PG is another transaction.
    const reconciled: Omit<StrayApproval, 'id'> = { ...stray, pgProvider: 'other_pg', state: 'reconciled', paymentId: adopter.id };
    const second = await store.strayApprovals.record(reconciled);
    expect(second).toEqual({ ...reconciled, id: expect.any(Number) });
    expect(second.id).not.toBe(first.id);

    const elsewhere = await store.payments.insert(newPaymentInput(other.storeId, other.channelId));
    await store.strayApprovals.record({ ...stray, storeId: other.storeId, channelId: other.channelId, pgTid: 'tid-other', seenInPaymentId: elsewhere.id });
    expect(await store.strayApprovals.list(storeId)).toEqual([first, second]);
  });

  it('finds by merchant_uid with every sorting and a status filter', async () => {
    const store = getStore();
    const { storeId, channelId } = await setup(store);
    const m = 'order-sorted';
    const insert = (startedAt: Date) => store.payments.insert(newPaymentInput(storeId, channelId, { merchantUid: m, startedAt }));
    // p1: oldest, abandoned late; p2: paid; p3: newest, ready; p4: same started as p3 (tie → id).
    const p1 = await insert(at(1000));
    const p2 = await insert(at(2000));
    const p3 = await insert(at(3000));
    const p4 = await insert(at(3000));
    await applied(store, p1, ev.abandoned(at(9000)));
    await applied(store, await applied(store, p2, ev.requested('tid-2', at(4000))), ev.approved('tid-2', at(5000)));
    const find = async (options?: Parameters<Store['payments']['findByMerchantUid']>[2]) => (await store.payments.findByMerchantUid(storeId, m, options))?.id;

    expect(await find()).toBe(p4.id);
    expect(await find({ sorting: '-started' })).toBe(p4.id);
    expect(await find({ sorting: 'started' })).toBe(p1.id);
    expect(await find({ sorting: '-paid' })).toBe(p2.id);
    expect(await find({ sorting: 'paid' })).toBe(p2.id); // nulls last in both directions
    expect(await find({ sorting: '-updated' })).toBe(p1.id); // updated at 9000
    expect(await find({ sorting: 'updated' })).toBe(p3.id); // p3 (3000) before p4 (3000) by id
    expect(await find({ status: 'ready' })).toBe(p4.id);
    expect(await find({ status: 'ready', sorting: 'started' })).toBe(p3.id);
    expect(await find({ status: 'failed' })).toBe(p1.id);
    expect(await find({ status: 'paid', sorting: 'started' })).toBe(p2.id);
    expect(await find({ status: 'cancelled' })).toBeUndefined();
    expect(await store.payments.findByMerchantUid(storeId, 'no-such-order')).toBeNull();
  });

  it('keeps payments and their events apart between stores', async () => {
    const store = getStore();
    const { storeId, other } = await setup(store);
    const p = await store.payments.insert(newPaymentInput(other.storeId, other.channelId, { merchantUid: 'shared-order' }));
    await applied(store, p, ev.abandoned(at(1)));
    expect(await store.payments.findById(storeId, p.id)).toBeNull();
    expect(await store.payments.findByImpUid(storeId, p.impUid)).toBeNull();
    expect(await store.payments.findByMerchantUid(storeId, 'shared-order')).toBeNull();
    expect(await store.payments.eventsOf(storeId, p.id)).toEqual([]);
    expect(await store.payments.eventsOf(other.storeId, p.id)).toHaveLength(1);
    expect(await store.payments.listInApproval(storeId)).toEqual([]);
  });

  it('lists issued virtual accounts whose deadline is past, of every store, earliest first; expiring one fails it once and releases its order', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const account = (deadline: Date | null): MethodDetails => ({
      method: 'vbank',
      vbank: { vbankCode: '004', vbankName: 'KB국민은행', vbankNum: '12345678901234', vbankHolder: '결', vbankDate: deadline, vbankIssuedAt: at(2) },
    });
    const issue = async (sid: number, cid: number, tid: string, deadline: Date | null) =>
      applied(store, await applied(store, await store.payments.insert(newPaymentInput(sid, cid, { payMethod: 'vbank' })), ev.requested(tid, at(1))), ev.approved(tid, at(2), account(deadline)));
    const due10 = await issue(storeId, channelId, 't-10', at(10_000));
    const otherDue5 = await issue(other.storeId, other.channelId, 't-5', at(5_000));
    const due20 = await issue(storeId, channelId, 't-20', at(20_000));
    // Never listed: an account without a deadline, a paid one, a card payment in approval, a fresh vbank payment.
    await issue(storeId, channelId, 't-none', null);
    const deposited = await issue(storeId, channelId, 't-paid', at(1_000));
    await applied(store, deposited, { type: 'vbank-deposited', pgTid: 't-paid', depositedAt: at(500), at: at(600) });
    await applied(store, await store.payments.insert(newPaymentInput(storeId, channelId)), ev.requested('t-card', at(1)));
    await store.payments.insert(newPaymentInput(storeId, channelId, { payMethod: 'vbank' }));

    expect(await store.payments.listVbankExpired(at(10_001), 10)).toEqual([otherDue5, due10]);
    expect(await store.payments.listVbankExpired(at(10_000), 10)).toEqual([otherDue5]);
    expect(await store.payments.listVbankExpired(at(10_001), 1)).toEqual([otherDue5]);
    expect(await store.payments.listVbankExpired(at(5_000), 10)).toEqual([]);
    expect(await store.payments.listVbankExpired(at(60_000), 10)).toEqual([otherDue5, due10, due20]);

    const expire = accepted(due10, { type: 'vbank-expired', at: at(11_000) });
    const expired: Payment = {
      ...due10,
      status: 'failed',
      failCode: 'VBANK_EXPIRED',
      failReason: '[가상계좌 입금기한 만료] 입금기한이 지났습니다',
      failedAt: at(11_000),
      updatedAt: at(11_000),
    };
    const event = domainEvent(due10, 'payment.vbank_expired', 'failed', at(11_000));
    expect(await store.payments.apply(storeId, due10.id, expire)).toEqual({ ok: true, payment: expired, events: [event] });
    expect(await store.payments.findById(storeId, due10.id)).toEqual(expired);
    // A second pass (or another instance) deciding from the same read changes nothing.
    expect(await store.payments.apply(storeId, due10.id, expire)).toEqual({ ok: false, reason: 'state' });
    expect(await store.payments.findById(storeId, due10.id)).toEqual(expired);
    expect(await store.payments.eventsOf(storeId, due10.id)).toEqual([
      { id: expect.any(Number), storeId, paymentId: due10.id, ...domainEvent(due10, 'payment.vbank_issued', 'ready', at(2)) },
      { id: expect.any(Number), storeId, paymentId: due10.id, ...event },
    ]);
    // The order is free again: no claim holds its merchant_uid.
    expect(await store.payments.findClaim(storeId, due10.merchantUid)).toBeNull();
    expect(await store.payments.listVbankExpired(at(60_000), 10)).toEqual([otherDue5, due20]);
  });

  it('lists card checks still paid within a window, of every store, oldest first', async () => {
    const store = getStore();
    const { storeId, channelId, other } = await setup(store);
    const pay = async (sid: number, cid: number, tid: string, when: number, usage: 'payment.check' | 'payment') =>
      applied(store, await applied(store, await store.payments.insert(newPaymentInput(sid, cid, { customerUidUsage: usage })), ev.requested(tid, at(when - 2_000))), ev.approved(tid, at(when)));
    // paid_at is the approval's time: one second before the event.
    const check10 = await pay(storeId, channelId, 'c-10', 10_000, 'payment.check');
    const otherCheck20 = await pay(other.storeId, other.channelId, 'c-20', 20_000, 'payment.check');
    // Never listed: checks paid before or after the window, a charge that is no check, a declined check.
    await pay(storeId, channelId, 'c-1', 1_000, 'payment.check');
    await pay(storeId, channelId, 'c-90', 90_000, 'payment.check');
    await pay(storeId, channelId, 'p-15', 15_000, 'payment');
    const declining = await store.payments.insert(newPaymentInput(storeId, channelId, { customerUidUsage: 'payment.check' }));
    await applied(store, await applied(store, declining, ev.requested('c-d', at(12_000))), ev.declined('c-d', at(13_000)));

    expect(await store.payments.listPaidCardChecks(at(5_000), at(60_000), 10)).toEqual([check10, otherCheck20]);
    expect(await store.payments.listPaidCardChecks(at(5_000), at(60_000), 1)).toEqual([check10]);
  });
});
