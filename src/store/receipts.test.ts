import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import type { Receipt } from '../domain/receipts';
import { at, newPaymentInput, newReceiptIntent, seedStore } from './test-fixtures';
import type { NewReceipt, Store } from './types';

async function setup(store: Store) {
  const a = await seedStore(store);
  const b = await seedStore(store);
  const payment = await store.payments.insert(newPaymentInput(a.store.id, a.channel.id, { payMethod: 'trans' }));
  const intent: NewReceipt = newReceiptIntent(payment);
  return { storeId: a.store.id, otherStoreId: b.store.id, channelId: a.channel.id, payment, intent };
}

/** An intent as the store hands it back. */
function asIntent(input: NewReceipt, id: number): Receipt {
  return {
    ...input,
    id,
    state: 'issuing',
    receiptTid: null,
    applyNum: null,
    receiptUrl: null,
    appliedAt: null,
    cancelledAt: null,
    failCode: null,
    failReason: null,
    updatedAt: input.createdAt,
  };
}

forEachDatabase((_db, getStore) => {
  it('records an intent, settles it issued, cancels it, and finds it by imp_uid all along', async () => {
    const store = getStore();
    const { storeId, payment, intent } = await setup(store);
    const inserted = await store.receipts.insertIntent(intent);
    expect(inserted).toEqual(asIntent(intent, inserted?.id ?? -1));
    expect(await store.receipts.findActive(storeId, { impUid: payment.impUid })).toEqual(inserted);
    expect(await store.receipts.findLatestIssued(storeId, { impUid: payment.impUid })).toBeNull();

    const issuedChange = { receiptTid: 'gyeolsim0107012601151200001234', applyNum: '123456789', receiptUrl: 'http://sim/receipt', appliedAt: at(1000) };
    const issued = await store.receipts.transition(storeId, inserted!.id, 'issuing', 'issued', issuedChange, at(2000));
    const expectedIssued: Receipt = { ...asIntent(intent, inserted!.id), ...issuedChange, state: 'issued', updatedAt: at(2000) };
    expect(issued).toEqual(expectedIssued);
    // A second settlement from `issuing` finds nothing to move.
    expect(await store.receipts.transition(storeId, inserted!.id, 'issuing', 'declined', { failCode: 'X' }, at(3000))).toBeNull();
    expect(await store.receipts.findLatestIssued(storeId, { impUid: payment.impUid })).toEqual(expectedIssued);

    const cancelling = await store.receipts.transition(storeId, inserted!.id, 'issued', 'cancelling', {}, at(4000));
    expect(cancelling).toEqual({ ...expectedIssued, state: 'cancelling', updatedAt: at(4000) });
    const cancelled = await store.receipts.transition(storeId, inserted!.id, 'cancelling', 'cancelled', { cancelledAt: at(5000) }, at(5000));
    expect(cancelled).toEqual({ ...expectedIssued, state: 'cancelled', cancelledAt: at(5000), updatedAt: at(5000) });
    expect(await store.receipts.findActive(storeId, { impUid: payment.impUid })).toBeNull();
    expect(await store.receipts.findLatestIssued(storeId, { impUid: payment.impUid })).toEqual(cancelled);
  });

  it('lets an order have one active receipt: a second intent gets null until the first is declined or cancelled', async () => {
    const store = getStore();
    const { storeId, otherStoreId, intent } = await setup(store);
    const first = await store.receipts.insertIntent(intent);
    expect(await store.receipts.insertIntent({ ...intent, identifierMasked: 'other' })).toBeNull();
    await store.receipts.transition(storeId, first!.id, 'issuing', 'declined', { failCode: 'R710', failReason: '거절' }, at(1000));
    const second = await store.receipts.insertIntent(intent);
    expect(second).toEqual(asIntent(intent, second?.id ?? -1));
    expect(second!.id).not.toBe(first!.id);
    // Other stores are other orders.
    const otherChannel = (await store.channels.listByStore(otherStoreId))[0];
    const other = await store.receipts.insertIntent({ ...intent, storeId: otherStoreId, channelId: otherChannel.id, paymentId: null, kind: 'external', impUid: null });
    expect(other).toEqual(asIntent({ ...intent, storeId: otherStoreId, channelId: otherChannel.id, paymentId: null, kind: 'external', impUid: null }, other?.id ?? -1));
    expect(await store.receipts.findActive(storeId, { merchantUid: intent.merchantUid })).toBeNull();
    expect(await store.receipts.findActive(otherStoreId, { merchantUid: intent.merchantUid })).toEqual(other);
    expect(await store.receipts.transition(otherStoreId, first!.id, 'declined', 'issued', {}, at(1))).toBeNull();
  });
});
