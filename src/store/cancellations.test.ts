import { expect, it } from 'vitest';
import { VBANK_REVOKED, type Cancellation } from '../domain/cancellations';
import type { Payment } from '../domain/payment';
import { forEachDatabase } from '../../test/support/databases';
import { applied, at, newPaymentInput, paymentEvents as ev, seedStore } from './test-fixtures';
import type { NewCancellation, Repositories, Store } from './types';

/** A paid card payment of `amount`. */
async function paidPayment(repos: Repositories, amount = 10_000, merchantUid = `order-${Math.random().toString(36).slice(2)}`): Promise<Payment> {
  const { store, channel } = await seedStore(repos);
  const inserted = await repos.payments.insert(newPaymentInput(store.id, channel.id, { amount, merchantUid }));
  const requested = await applied(repos, inserted, ev.requested(`tid-${merchantUid}`, at(1_000)));
  return applied(repos, requested, ev.approved(`tid-${merchantUid}`, at(2_000)));
}

function newCancellation(payment: Payment, amount: number, n: number, overrides: Partial<NewCancellation> = {}): NewCancellation {
  return {
    storeId: payment.storeId,
    paymentId: payment.id,
    cancellationId: `cncl_${String(n).padStart(20, '0')}`,
    kind: 'cancel',
    amount,
    taxFree: 0,
    vatAmount: null,
    reason: `취소 ${n}`,
    enableWebhook: true,
    refundSealed: null,
    requestedAt: at(10_000 + n),
    reconcileAfter: at(40_000 + n),
    ...overrides,
  };
}

async function reserved(store: Store, c: NewCancellation, checksum: number | null = null) {
  const result = await store.cancellations.reserve(c, { status: 'paid', checksum });
  if (!result.ok) throw new Error('reservation refused');
  return result;
}

forEachDatabase((db, getStore, { connectAgain }) => {
  it('reserves a cancel: holds its amount, numbers it, and stores every field', async () => {
    const store = getStore();
    const payment = await paidPayment(store);
    const input = newCancellation(payment, 3_000, 1, { taxFree: 500, vatAmount: 227, refundSealed: 'sealed-refund', enableWebhook: false });
    const result = await reserved(store, input);
    const expected: Cancellation = {
      id: result.cancellation.id,
      storeId: payment.storeId,
      paymentId: payment.id,
      cancellationId: input.cancellationId,
      kind: 'cancel',
      seq: 1,
      amount: 3_000,
      taxFree: 500,
      vatAmount: 227,
      reason: '취소 1',
      state: 'requested',
      pgTid: null,
      receiptUrl: null,
      resultCode: null,
      resultMessage: null,
      enableWebhook: false,
      refundSealed: 'sealed-refund',
      requestedAt: input.requestedAt,
      cancelledAt: null,
      reconcileAfter: input.reconcileAfter,
      reconcileAttempts: 0,
      updatedAt: input.requestedAt,
    };
    expect(result.cancellation).toEqual(expected);
    expect(result.payment).toEqual({ ...payment, cancelReserved: 3_000, updatedAt: input.requestedAt });
    expect(await store.cancellations.findByCancellationId(payment.storeId, input.cancellationId)).toEqual(expected);

    const second = await reserved(store, newCancellation(payment, 2_000, 2));
    expect(second.cancellation.seq).toBe(2);
    expect(second.payment.cancelReserved).toBe(5_000);
  });

  it('refuses a reservation beyond what is left, or with a checksum that differs, changing nothing', async () => {
    const store = getStore();
    const payment = await paidPayment(store, 10_000);
    await reserved(store, newCancellation(payment, 6_000, 1));
    const over = await store.cancellations.reserve(newCancellation(payment, 4_001, 2), { status: 'paid', checksum: null });
    expect(over).toEqual({ ok: false, payment: { ...payment, cancelReserved: 6_000, updatedAt: at(10_001) } });
    const wrongChecksum = await store.cancellations.reserve(newCancellation(payment, 1_000, 3), { status: 'paid', checksum: 10_000 });
    expect(wrongChecksum.ok).toBe(false);
    const rightChecksum = await store.cancellations.reserve(newCancellation(payment, 4_000, 4), { status: 'paid', checksum: 4_000 });
    expect(rightChecksum.ok).toBe(true);
    expect(await store.cancellations.listByPayments(payment.storeId, [payment.id])).toHaveLength(2);
  });

  it('never lets concurrent reservations take more than the payment', async () => {
    const store = getStore();
    const payment = await paidPayment(store, 10_000);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.cancellations.reserve(newCancellation(payment, 1_000, i + 1), { status: 'paid', checksum: null })));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const rows = await store.cancellations.listByPayments(payment.storeId, [payment.id]);
    expect(rows.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await store.payments.findById(payment.storeId, payment.id))?.cancelReserved).toBe(10_000);
  });

  it.runIf(db === 'postgres')('never lets reservations on two connection pools take more than the payment', async () => {
    const a = getStore();
    const b = await connectAgain();
    const payment = await paidPayment(a, 10_000);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).cancellations.reserve(newCancellation(payment, 1_500, i + 1), { status: 'paid', checksum: null })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(6);
    expect((await a.payments.findById(payment.storeId, payment.id))?.cancelReserved).toBe(9_000);
  });

  it('settles a partial cancel, then the rest: cancel_amount, status, cancelled_at and one event each', async () => {
    const store = getStore();
    const payment = await paidPayment(store, 10_000);
    const first = await reserved(store, newCancellation(payment, 4_000, 1));
    const done1 = await store.cancellations.settle(first.cancellation, {
      state: 'done',
      pgTid: 'cancel-tid-1',
      receiptUrl: 'https://pg.example/receipt/cancel-tid-1',
      code: '2001',
      message: '취소 성공',
      cancelledAt: at(20_000),
      at: at(20_500),
    });
    expect(done1?.cancellation).toEqual({
      ...first.cancellation,
      state: 'done',
      pgTid: 'cancel-tid-1',
      receiptUrl: 'https://pg.example/receipt/cancel-tid-1',
      resultCode: '2001',
      resultMessage: '취소 성공',
      cancelledAt: at(20_000),
      reconcileAfter: null,
      updatedAt: at(20_500),
    });
    expect(done1?.payment).toEqual({ ...payment, status: 'paid', cancelAmount: 4_000, cancelReserved: 0, cancelledAt: at(20_000), updatedAt: at(20_500) });

    const rest = await reserved(store, newCancellation(payment, 6_000, 2, { enableWebhook: false }));
    const done2 = await store.cancellations.settle(rest.cancellation, { state: 'done', pgTid: 'cancel-tid-2', receiptUrl: null, code: '2001', message: '취소 성공', cancelledAt: at(30_000), at: at(30_000) });
    expect(done2?.payment).toEqual({ ...payment, status: 'cancelled', cancelAmount: 10_000, cancelReserved: 0, cancelledAt: at(30_000), updatedAt: at(30_000) });

    const events = (await store.payments.eventsOf(payment.storeId, payment.id)).filter((e) => e.type.startsWith('payment.cancelled'));
    expect(events.map(({ type, status, cancellationId, occurredAt }) => ({ type, status, cancellationId, occurredAt }))).toEqual([
      { type: 'payment.cancelled', status: 'paid', cancellationId: first.cancellation.cancellationId, occurredAt: at(20_500) },
      { type: 'payment.cancelled_quietly', status: 'cancelled', cancellationId: rest.cancellation.cancellationId, occurredAt: at(30_000) },
    ]);
    // Settling again (a late answer, a second instance) changes nothing.
    expect(await store.cancellations.settle(rest.cancellation, { state: 'refused', code: 'X', message: 'late', at: at(31_000) })).toBeNull();
  });

  it('releases a refused cancel, keeps an unknown or pending one held, and lists what is due', async () => {
    const store = getStore();
    const payment = await paidPayment(store, 10_000);
    const refused = await reserved(store, newCancellation(payment, 1_000, 1, { refundSealed: 'sealed' }));
    const afterRefusal = await store.cancellations.settle(refused.cancellation, { state: 'refused', code: 'C001', message: '체크카드 부분취소 불가', at: at(20_000) });
    expect(afterRefusal?.cancellation).toEqual({ ...refused.cancellation, state: 'refused', resultCode: 'C001', resultMessage: '체크카드 부분취소 불가', refundSealed: null, reconcileAfter: null, updatedAt: at(20_000) });
    expect(afterRefusal?.payment.cancelReserved).toBe(0);

    const lost = await reserved(store, newCancellation(payment, 2_000, 2, { refundSealed: 'sealed-2' }));
    const unknown = await store.cancellations.settle(lost.cancellation, { state: 'unknown', note: 'timeout', reconcileAfter: at(60_000), attempts: 1, at: at(21_000) });
    expect(unknown?.cancellation).toEqual({ ...lost.cancellation, state: 'unknown', resultMessage: 'timeout', reconcileAfter: at(60_000), reconcileAttempts: 1, updatedAt: at(21_000) });
    expect(unknown?.payment.cancelReserved).toBe(2_000);

    const refund = await reserved(store, newCancellation(payment, 3_000, 3));
    const pending = await store.cancellations.settle(refund.cancellation, { state: 'pending', pgTid: 'refund-tid', code: '2001', message: '환불 접수', at: at(22_000) });
    expect(pending?.payment.cancelReserved).toBe(5_000);
    expect(await store.cancellations.findPendingByPgTid(payment.storeId, 'refund-tid')).toEqual(pending?.cancellation);

    // Due: the unknown one at its time (and the pending one never: it waits for the PG's notification).
    expect(await store.cancellations.listReconcileDue(at(59_999), 10)).toEqual([]);
    expect((await store.cancellations.listReconcileDue(at(60_000), 10)).map((c) => c.cancellationId)).toEqual([lost.cancellation.cancellationId]);
  });

  it('revokes an issued account: the payment fails, its merchant_uid is free, no cancel amount', async () => {
    const store = getStore();
    const { store: merchant, channel } = await seedStore(store);
    const inserted = await store.payments.insert(newPaymentInput(merchant.id, channel.id, { payMethod: 'vbank', amount: 5_000, merchantUid: 'vbank-order' }));
    const requested = await applied(store, inserted, ev.requested('vtid', at(1_000)));
    const issued = await applied(
      store,
      requested,
      ev.approved('vtid', at(2_000), { method: 'vbank', vbank: { vbankCode: '004', vbankName: 'KB국민은행', vbankNum: '12345678901234', vbankHolder: '겨울', vbankDate: at(86_400_000), vbankIssuedAt: at(2_000) } }),
    );
    // A cancel needs a paid payment; a revocation an issued one.
    expect((await store.cancellations.reserve(newCancellation(issued, 5_000, 1), { status: 'paid', checksum: null })).ok).toBe(false);
    const revoke = await store.cancellations.reserve(newCancellation(issued, 5_000, 2, { kind: 'revoke' }), { status: 'ready', checksum: null });
    if (!revoke.ok) throw new Error('revocation refused');
    const done = await store.cancellations.settle(revoke.cancellation, { state: 'done', pgTid: 'vtid-cancel', receiptUrl: null, code: '2001', message: '취소 성공', cancelledAt: at(3_000), at: at(3_000) });
    expect(done?.payment).toEqual({
      ...issued,
      status: 'failed',
      failCode: VBANK_REVOKED.code,
      failReason: VBANK_REVOKED.reason,
      failedAt: at(3_000),
      updatedAt: at(3_000),
    });
    expect(await store.payments.findClaim(merchant.id, 'vbank-order')).toBeNull();
    const events = await store.payments.eventsOf(merchant.id, issued.id);
    expect(events.at(-1)).toEqual({ id: expect.any(Number), storeId: merchant.id, paymentId: issued.id, type: 'payment.vbank_revoked', impUid: issued.impUid, merchantUid: 'vbank-order', status: 'failed', occurredAt: at(3_000) });
  });
});
