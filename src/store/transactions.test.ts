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

  it('runs transactions one after another without mixing', async () => {
    const store = getStore();
    await Promise.all(
      Array.from({ length: 5 }, () =>
        store.transaction(async (repos) => {
          const n = await repos.stores.count();
          await repos.stores.insert(newStoreInput({ name: `store ${n}` }));
        }),
      ),
    );
    expect(await store.stores.count()).toBe(5);
  });
});
