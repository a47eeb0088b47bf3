import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { at, newPaymentInput, seedStore } from './test-fixtures';
import type { Store } from './types';

async function session(store: Store, mRedirectUrl: string | null = null) {
  const { store: s, channel } = await seedStore(store);
  const payment = await store.payments.insert(newPaymentInput(s.id, channel.id));
  const input = {
    id: randomBytes(24).toString('base64url'),
    storeId: s.id,
    paymentId: payment.id,
    mode: 'mobile' as const,
    merchantOrigin: 'http://127.0.0.1:4002',
    mRedirectUrl,
    createdAt: at(0),
    expiresAt: at(30 * 60_000),
  };
  return { input, saved: await store.checkoutSessions.insert(input) };
}

forEachDatabase((_db, getStore) => {
  it('round-trips a session', async () => {
    const store = getStore();
    const { input, saved } = await session(store, 'https://shop.example.com/done?x=1');
    expect(saved).toEqual({ ...input, state: 'open', result: null, completedAt: null });
    expect(await store.checkoutSessions.findById(input.id)).toEqual(saved);
    expect(await store.checkoutSessions.findById('nope')).toBeNull();
    const { saved: pc } = await session(store, null);
    expect(pc.mRedirectUrl).toBeNull();
  });

  it('completes only once', async () => {
    const store = getStore();
    const { input, saved } = await session(store);
    const result = { success: true, imp_uid: 'imp_123456789012', paid_amount: 1004, nested: { a: [1, null] } };
    expect(await store.checkoutSessions.complete(input.id, result, at(60_000))).toBe(true);
    expect(await store.checkoutSessions.complete(input.id, { success: false }, at(70_000))).toBe(false);
    expect(await store.checkoutSessions.findById(input.id)).toEqual({ ...saved, state: 'completed', result, completedAt: at(60_000) });
    expect(await store.checkoutSessions.complete('missing', result, at(1))).toBe(false);
  });

  it('completes once under concurrency', async () => {
    const store = getStore();
    const { input } = await session(store);
    const results = await Promise.all([1, 2, 3].map((n) => store.checkoutSessions.complete(input.id, { n }, at(n))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a duplicate id and a missing payment', async () => {
    const store = getStore();
    const { input } = await session(store);
    await expect(store.checkoutSessions.insert(input)).rejects.toThrow();
    await expect(store.checkoutSessions.insert({ ...input, id: 'other', paymentId: 999_999 })).rejects.toThrow();
  });
});
