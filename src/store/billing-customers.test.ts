import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { at, newBillingCustomerInput, seedStore } from './test-fixtures';

const customer = newBillingCustomerInput;


forEachDatabase((_db, getStore) => {
  it('stores a billing customer with every field and reads it back, alone and among others', async () => {
    const store = getStore();
    const { store: merchant, channel } = await seedStore(store);
    const saved = await store.billingCustomers.save(customer(merchant.id, channel.id));
    expect(saved).toEqual(customer(merchant.id, channel.id));
    expect(await store.billingCustomers.find(merchant.id, 'cust_0001')).toEqual(saved);
    const other = await store.billingCustomers.save(customer(merchant.id, channel.id, { customerUid: 'cust_0002', customerId: null, customerAddr: null }));
    const many = await store.billingCustomers.findMany(merchant.id, ['cust_0002', 'cust_0001', 'cust_missing']);
    expect([...many].sort((a, b) => a.customerUid.localeCompare(b.customerUid))).toEqual([saved, other]);
  });

  it('replaces the card of a known customer_uid, keeping when it was first issued', async () => {
    const store = getStore();
    const { store: merchant, channel } = await seedStore(store);
    await store.billingCustomers.save(customer(merchant.id, channel.id));
    const card = { ...customer(merchant.id, channel.id).card, cardCode: '366', cardName: '신한카드', cardNumber: '4092-****-****-0821' };
    const replaced = await store.billingCustomers.save(customer(merchant.id, channel.id, { billingKeySealed: 'sealed-key-2', card, insertedAt: at(9_000), updatedAt: at(9_000) }));
    expect(replaced).toEqual(customer(merchant.id, channel.id, { billingKeySealed: 'sealed-key-2', card, insertedAt: at(1_000), updatedAt: at(9_000) }));
  });

  it('deletes a customer, answering it as it was; other stores never see it', async () => {
    const store = getStore();
    const a = await seedStore(store);
    const b = await seedStore(store);
    const saved = await store.billingCustomers.save(customer(a.store.id, a.channel.id));
    expect(await store.billingCustomers.find(b.store.id, 'cust_0001')).toBeNull();
    expect(await store.billingCustomers.delete(b.store.id, 'cust_0001')).toBeNull();
    expect(await store.billingCustomers.delete(a.store.id, 'cust_0001')).toEqual(saved);
    expect(await store.billingCustomers.find(a.store.id, 'cust_0001')).toBeNull();
    expect(await store.billingCustomers.delete(a.store.id, 'cust_0001')).toBeNull();
  });
});
