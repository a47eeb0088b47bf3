import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { isUniqueViolation } from './dialect';
import { T0, newChannelInput, newStoreInput } from './test-fixtures';

forEachDatabase((_db, getStore) => {
  it('round-trips a store', async () => {
    const store = getStore();
    const input = newStoreInput({ name: '상점 "A"', createdAt: new Date(1_767_225_600_123) });
    const saved = await store.stores.insert(input);
    expect(saved).toEqual({ id: expect.any(Number), ...input });
    expect(typeof saved.id).toBe('number');
    expect(await store.stores.findById(saved.id)).toEqual(saved);
    expect(await store.stores.findByImpCode(input.impCode)).toEqual(saved);
    expect(await store.stores.findByApiKey(input.apiKey)).toEqual(saved);
    expect(await store.stores.findById(saved.id + 1000)).toBeNull();
    expect(await store.stores.findByImpCode('imp99999999')).toBeNull();
    expect(await store.stores.findByApiKey('nope')).toBeNull();
  });

  it('counts stores', async () => {
    const store = getStore();
    expect(await store.stores.count()).toBe(0);
    await store.stores.insert(newStoreInput());
    await store.stores.insert(newStoreInput());
    const count = await store.stores.count();
    expect(count).toBe(2);
    expect(typeof count).toBe('number');
  });

  it('refuses a duplicate imp_code or api_key', async () => {
    const store = getStore();
    const first = await store.stores.insert(newStoreInput());
    const dupCode = await store.stores.insert(newStoreInput({ impCode: first.impCode })).catch((e: unknown) => e);
    expect(isUniqueViolation(dupCode)).toBe(true);
    const dupKey = await store.stores.insert(newStoreInput({ apiKey: first.apiKey })).catch((e: unknown) => e);
    expect(isUniqueViolation(dupKey)).toBe(true);
    expect(await store.stores.count()).toBe(1);
  });

  it('round-trips a channel (booleans, settings JSON)', async () => {
    const store = getStore();
    const s = await store.stores.insert(newStoreInput());
    const input = newChannelInput(s.id, { testMode: false, isDefault: true });
    const saved = await store.channels.insert(input);
    expect(saved).toEqual({ id: expect.any(Number), ...input });
    expect(saved.testMode).toBe(false);
    expect(saved.isDefault).toBe(true);
    expect(await store.channels.findById(s.id, saved.id)).toEqual(saved);
    expect(await store.channels.findByChannelKey(s.id, input.channelKey)).toEqual(saved);
    expect(await store.channels.findDefault(s.id)).toEqual(saved);

    const test = await store.channels.insert(newChannelInput(s.id, { testMode: true, isDefault: false, settings: {} }));
    expect(test.testMode).toBe(true);
    expect(test.isDefault).toBe(false);
    expect(test.settings).toEqual({});
  });

  it('finds channels by PG, oldest first, optionally by MID', async () => {
    const store = getStore();
    const s = await store.stores.insert(newStoreInput());
    const b = await store.channels.insert(newChannelInput(s.id, { pgId: 'mid_b', createdAt: new Date(T0.getTime() + 2) }));
    const a = await store.channels.insert(newChannelInput(s.id, { pgId: 'mid_a', createdAt: new Date(T0.getTime() + 1) }));
    const a2 = await store.channels.insert(newChannelInput(s.id, { pgId: 'mid_a', createdAt: new Date(T0.getTime() + 3) }));
    await store.channels.insert(newChannelInput(s.id, { pgProvider: 'kcp', pgId: 'mid_a' }));
    expect((await store.channels.findByPg(s.id, 'smartro_v2')).map((c) => c.id)).toEqual([a.id, b.id, a2.id]);
    expect((await store.channels.findByPg(s.id, 'smartro_v2', 'mid_a')).map((c) => c.id)).toEqual([a.id, a2.id]);
    expect(await store.channels.findByPg(s.id, 'smartro_v2', 'mid_x')).toEqual([]);
    expect(await store.channels.findDefault(s.id)).toBeNull();
  });

  it('refuses a duplicate channel_key, even in another store', async () => {
    const store = getStore();
    const s1 = await store.stores.insert(newStoreInput());
    const s2 = await store.stores.insert(newStoreInput());
    const c = await store.channels.insert(newChannelInput(s1.id));
    const error = await store.channels.insert(newChannelInput(s2.id, { channelKey: c.channelKey })).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('allows at most one default channel per store', async () => {
    const store = getStore();
    const s1 = await store.stores.insert(newStoreInput());
    const s2 = await store.stores.insert(newStoreInput());
    await store.channels.insert(newChannelInput(s1.id, { isDefault: true }));
    await store.channels.insert(newChannelInput(s2.id, { isDefault: true }));
    await store.channels.insert(newChannelInput(s1.id, { isDefault: false }));
    const error = await store.channels.insert(newChannelInput(s1.id, { isDefault: true })).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('refuses a channel of a missing store (foreign key)', async () => {
    const store = getStore();
    await expect(store.channels.insert(newChannelInput(424242))).rejects.toThrow();
  });

  it('keeps channels apart between stores', async () => {
    const store = getStore();
    const s1 = await store.stores.insert(newStoreInput());
    const s2 = await store.stores.insert(newStoreInput());
    const c = await store.channels.insert(newChannelInput(s2.id, { isDefault: true }));
    expect(await store.channels.findByChannelKey(s1.id, c.channelKey)).toBeNull();
    expect(await store.channels.findById(s1.id, c.id)).toBeNull();
    expect(await store.channels.findByPg(s1.id, 'smartro_v2')).toEqual([]);
    expect(await store.channels.findDefault(s1.id)).toBeNull();
    expect(await store.channels.findByChannelKey(s2.id, c.channelKey)).toEqual(c);
  });
});
