import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { newStoreInput, seedStore, newPaymentInput } from './test-fixtures';

forEachDatabase((_db, getStore) => {
  it('commits all repositories together', async () => {
    const store = getStore();
    const result = await store.transaction(async (repos) => {
      const { store: s, channel } = await seedStore(repos);
      const p = await repos.payments.insert(newPaymentInput(s.id, channel.id));
      return { s, p };
    });
    expect(await store.stores.findById(result.s.id)).toEqual(result.s);
    expect(await store.payments.findById(result.s.id, result.p.id)).toEqual(result.p);
  });

  it('rolls everything back on error', async () => {
    const store = getStore();
    let impCode = '';
    await expect(
      store.transaction(async (repos) => {
        const s = await repos.stores.insert(newStoreInput());
        impCode = s.impCode;
        expect(await repos.stores.findByImpCode(impCode)).toEqual(s);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.stores.findByImpCode(impCode)).toBeNull();
    expect(await store.stores.count()).toBe(0);
  });

  it('runs concurrent transactions without mixing: each commits or rolls back only its own rows', async () => {
    const store = getStore();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        store.transaction(async (repos) => {
          const { store: merchant, channel } = await seedStore(repos, { name: `store ${i}` });
          const payment = await repos.payments.insert(newPaymentInput(merchant.id, channel.id, { merchantUid: `order-${i}`, amount: 1000 + i }));
          // Inside its transaction, a transaction reads its own writes back whole.
          expect(await repos.payments.findById(merchant.id, payment.id)).toEqual(payment);
          if (i === 2) throw new Error(`abort ${merchant.impCode}`);
          return { i, merchant, channel, payment };
        }),
      ),
    );

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const committed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(committed.map((c) => c.i)).toEqual([0, 1, 3, 4]);
    for (const { i, merchant, channel, payment } of committed) {
      expect(merchant.name).toBe(`store ${i}`);
      expect(payment).toMatchObject({ storeId: merchant.id, channelId: channel.id, merchantUid: `order-${i}`, amount: 1000 + i });
      expect(await store.stores.findById(merchant.id)).toEqual(merchant);
      expect(await store.channels.findById(merchant.id, channel.id)).toEqual(channel);
      expect(await store.payments.findById(merchant.id, payment.id)).toEqual(payment);
      expect(await store.payments.findByMerchantUid(merchant.id, `order-${i}`)).toEqual(payment);
    }
    // The aborted transaction left nothing behind, and took nothing of the others with it.
    const aborted = (outcomes[2] as PromiseRejectedResult).reason as Error;
    // (By imp_code: SQLite may hand the rolled-back row's id to a later insert.)
    const abortedImpCode = aborted.message.replace('abort ', '');
    expect(abortedImpCode).toMatch(/^imp\d{8}$/);
    expect(await store.stores.findByImpCode(abortedImpCode)).toBeNull();
    expect(await store.stores.count()).toBe(4);
  });
});
