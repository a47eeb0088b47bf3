import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import type { EscrowDelivery } from '../domain/escrow';
import { at, newPaymentInput, seedStore, T0 } from './test-fixtures';

forEachDatabase((_db, getStore) => {
  async function seedPayment() {
    const store = getStore();
    const { store: merchant, channel } = await seedStore(store);
    const payment = await store.payments.insert(newPaymentInput(merchant.id, channel.id));
    return { store, payment };
  }

  const delivery = (storeId: number, paymentId: number, overrides: Partial<EscrowDelivery> = {}): EscrowDelivery => ({
    storeId,
    paymentId,
    company: 'CJGLS',
    invoice: '123456789012',
    sentAt: at(1_000),
    receivingAt: '20260120',
    address: '서울 중구 "세종대로" 110',
    sender: { name: '결상점', tel: '010-1111-2222', postcode: '04524', addressLine1: '서울특별시 중구 세종대로 110', addressLine2: '3층', addr: null, relationship: '판매자' },
    receiver: { name: '홍길동', tel: '010-3333-4444', postcode: '06236', addressLine1: '서울 강남구 테헤란로 1', addressLine2: '101호', addr: '서울 강남구', relationship: null },
    products: [{ id: 'p1', name: '머그컵', amount: 12000, quantity: 2 }],
    appliedAt: at(2_000),
    createdAt: at(3_000),
    updatedAt: at(3_000),
    ...overrides,
  });

  it('round-trips a delivery whole, and a second insert for the payment writes nothing', async () => {
    const { store, payment } = await seedPayment();
    const first = delivery(payment.storeId, payment.id);
    expect(await store.escrowDeliveries.find(payment.storeId, payment.id)).toBeNull();
    expect(await store.escrowDeliveries.insert(first)).toEqual(first);
    expect(await store.escrowDeliveries.find(payment.storeId, payment.id)).toEqual(first);
    expect(await store.escrowDeliveries.insert(delivery(payment.storeId, payment.id, { invoice: 'other' }))).toBeNull();
    expect(await store.escrowDeliveries.find(payment.storeId, payment.id)).toEqual(first);
  });

  it('keeps nulls (no products, no receiving_at) as nulls', async () => {
    const { store, payment } = await seedPayment();
    const bare = delivery(payment.storeId, payment.id, { receivingAt: null, address: null, products: null });
    expect(await store.escrowDeliveries.insert(bare)).toEqual(bare);
    expect(await store.escrowDeliveries.find(payment.storeId, payment.id)).toEqual(bare);
  });

  it('updates all but the creation time; an update without a registration writes nothing', async () => {
    const { store, payment } = await seedPayment();
    const first = delivery(payment.storeId, payment.id);
    expect(await store.escrowDeliveries.update(first)).toBeNull();
    await store.escrowDeliveries.insert(first);
    const changed = delivery(payment.storeId, payment.id, {
      company: 'KGB',
      invoice: '555',
      sentAt: at(10_000),
      receiver: { ...first.receiver, name: '김결제' },
      products: null,
      appliedAt: at(11_000),
      createdAt: T0,
      updatedAt: at(12_000),
    });
    expect(await store.escrowDeliveries.update(changed)).toEqual({ ...changed, createdAt: first.createdAt });
    expect(await store.escrowDeliveries.find(payment.storeId, payment.id)).toEqual({ ...changed, createdAt: first.createdAt });
  });

  it('keeps stores apart', async () => {
    const { store, payment } = await seedPayment();
    await store.escrowDeliveries.insert(delivery(payment.storeId, payment.id));
    const other = await seedStore(store, { impCode: 'imp99990000', apiKey: 'other-key' });
    expect(await store.escrowDeliveries.find(other.store.id, payment.id)).toBeNull();
  });
});
