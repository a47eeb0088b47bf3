import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { at, newStoreInput } from './test-fixtures';
import type { AccessTokenRecord } from './types';

const MIN = 60_000;

function token(storeId: number, name: string, issuedAt: Date, expiresAt: Date): AccessTokenRecord {
  return { tokenHash: `hash-${name}`, storeId, tokenEnc: `enc-${name}`, issuedAt, expiresAt };
}

forEachDatabase((_db, getStore) => {
  it('round-trips a token', async () => {
    const store = getStore();
    const s = await store.stores.insert(newStoreInput());
    const t = token(s.id, 'a', at(0), at(30 * MIN));
    await store.accessTokens.insert(t);
    expect(await store.accessTokens.findByHash('hash-a')).toEqual(t);
    expect(await store.accessTokens.findByHash('hash-b')).toBeNull();
    await expect(store.accessTokens.insert(t)).rejects.toThrow();
  });

  it('finds the latest valid token of a store', async () => {
    const store = getStore();
    const s1 = await store.stores.insert(newStoreInput());
    const s2 = await store.stores.insert(newStoreInput());
    expect(await store.accessTokens.findLatestValid(s1.id, at(0))).toBeNull();
    await store.accessTokens.insert(token(s1.id, 'old', at(0), at(30 * MIN)));
    await store.accessTokens.insert(token(s1.id, 'new', at(10 * MIN), at(40 * MIN)));
    await store.accessTokens.insert(token(s2.id, 'other', at(20 * MIN), at(50 * MIN)));
    expect((await store.accessTokens.findLatestValid(s1.id, at(15 * MIN)))?.tokenHash).toBe('hash-new');
    expect((await store.accessTokens.findLatestValid(s1.id, at(40 * MIN - 1)))?.tokenHash).toBe('hash-new');
    expect(await store.accessTokens.findLatestValid(s1.id, at(40 * MIN))).toBeNull(); // expires_at > now
    expect((await store.accessTokens.findLatestValid(s2.id, at(45 * MIN)))?.tokenHash).toBe('hash-other');
  });

  it('extends a token, only ever later', async () => {
    const store = getStore();
    const s = await store.stores.insert(newStoreInput());
    const t = token(s.id, 'a', at(0), at(30 * MIN));
    await store.accessTokens.insert(t);
    await store.accessTokens.extend('hash-a', at(35 * MIN));
    expect((await store.accessTokens.findByHash('hash-a'))?.expiresAt).toEqual(at(35 * MIN));
    await store.accessTokens.extend('hash-a', at(31 * MIN));
    expect(await store.accessTokens.findByHash('hash-a')).toEqual({ ...t, expiresAt: at(35 * MIN) });
    expect((await store.accessTokens.findLatestValid(s.id, at(32 * MIN)))?.tokenHash).toBe('hash-a');
    await store.accessTokens.extend('missing', at(99 * MIN)); // no error
  });

  it('revokes one token, leaving the others', async () => {
    const store = getStore();
    const s = await store.stores.insert(newStoreInput());
    const kept = token(s.id, 'kept', at(0), at(30 * MIN));
    await store.accessTokens.insert(token(s.id, 'gone', at(0), at(30 * MIN)));
    await store.accessTokens.insert(kept);
    expect(await store.accessTokens.revoke('hash-gone')).toBe(true);
    expect(await store.accessTokens.findByHash('hash-gone')).toBeNull();
    expect(await store.accessTokens.findByHash('hash-kept')).toEqual(kept);
    expect(await store.accessTokens.revoke('hash-gone')).toBe(false);
  });
});
