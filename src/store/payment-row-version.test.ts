import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import type { Payment } from '../domain/payment';
import { applied, at, newPaymentInput, newReceiptIntent, paymentEvents as ev, seedStore } from './test-fixtures';
import type { Store } from './types';

async function paidCard(store: Store): Promise<Payment> {
  const { store: s, channel } = await seedStore(store);
  const merchantUid = `order-${Math.random().toString(36).slice(2)}`;
  const inserted = await store.payments.insert(newPaymentInput(s.id, channel.id, { merchantUid, payMethod: 'trans' }));
  const requested = await applied(store, inserted, ev.requested(`tid-${merchantUid}`, at(1_000)));
  return applied(store, requested, ev.approved(`tid-${merchantUid}`, at(2_000)));
}

async function versionOf(store: Store, payment: Payment): Promise<number> {
  const found = await store.payments.versionOf(payment.storeId, payment.impUid);
  if (!found) throw new Error(`no version for ${payment.impUid}`);
  return found.version;
}

forEachDatabase((_db, getStore) => {
  it('grows the row version with every change to the payment, and says whether it is a test payment', async () => {
    const store = getStore();
    const { store: s, channel } = await seedStore(store);
    const inserted = await store.payments.insert(newPaymentInput(s.id, channel.id));
    const v0 = await store.payments.versionOf(s.id, inserted.impUid);
    expect(v0).toEqual({ version: 0, sandbox: inserted.sandbox });
    const requested = await applied(store, inserted, ev.requested('tid-v', at(1_000)));
    const v1 = await versionOf(store, requested);
    expect(v1).toBeGreaterThan(v0!.version);
    await applied(store, requested, ev.approved('tid-v', at(2_000)));
    expect(await versionOf(store, requested)).toBeGreaterThan(v1);
    // Another store's caller learns nothing; an unknown imp_uid has no version.
    const other = await seedStore(store);
    expect(await store.payments.versionOf(other.store.id, inserted.impUid)).toBeNull();
    expect(await store.payments.versionOf(s.id, 'imp_000000000000')).toBeNull();
  });

  it('grows it when a cancellation of the payment is reserved and settled', async () => {
    const store = getStore();
    const payment = await paidCard(store);
    const before = await versionOf(store, payment);
    const reserved = await store.cancellations.reserve(
      {
        storeId: payment.storeId,
        paymentId: payment.id,
        cancellationId: 'cncl_00000000000000000001',
        kind: 'cancel',
        amount: 1_000,
        taxFree: 0,
        vatAmount: null,
        reason: '부분 취소',
        enableWebhook: false,
        refundSealed: null,
        requestedAt: at(10_000),
        reconcileAfter: at(40_000),
      },
      { status: 'paid', checksum: null },
    );
    if (!reserved.ok) throw new Error('reservation refused');
    const afterReserve = await versionOf(store, payment);
    expect(afterReserve).toBeGreaterThan(before);
    // An unknown outcome touches only the cancellation's row: its trigger still moves the payment's version.
    await store.cancellations.settle(reserved.cancellation, { state: 'unknown', note: 'timeout', reconcileAfter: at(50_000), attempts: 1, at: at(11_000) });
    const afterUnknown = await versionOf(store, payment);
    expect(afterUnknown).toBeGreaterThan(afterReserve);
  });

  it('grows it when a cash receipt of the payment is recorded or changes state (the receipt is a row of its own)', async () => {
    const store = getStore();
    const payment = await paidCard(store);
    const before = await versionOf(store, payment);
    const intent = await store.receipts.insertIntent(newReceiptIntent(payment, { amount: payment.amount, vat: 0, createdAt: at(3_000) }));
    const afterIntent = await versionOf(store, payment);
    expect(afterIntent).toBeGreaterThan(before);
    await store.receipts.transition(payment.storeId, intent!.id, 'issuing', 'issued', { receiptTid: 'r1', applyNum: '1', receiptUrl: null, appliedAt: at(4_000) }, at(4_000));
    expect(await versionOf(store, payment)).toBeGreaterThan(afterIntent);
  });
});
