import { describe, expect, it } from 'vitest';
import { forEachDatabase, testDatabases } from '../../test/support/databases';
import { migrations } from './migrations';

forEachDatabase(
  (db, getStore, { connectAgain }) => {
    it('applies on an empty database', async () => {
      const store = getStore();
      expect(store.dialect).toBe(db);
      await expect(store.stores.count()).rejects.toThrow();
      await store.migrate();
      expect(await store.stores.count()).toBe(0);
    });

    it('is idempotent', async () => {
      const store = getStore();
      await store.migrate();
      await store.stores.insert({ impCode: 'imp00000001', name: 'a', apiKey: 'k1', apiSecretHash: 'h', createdAt: new Date(1) });
      await store.migrate();
      await store.migrate();
      expect(await store.stores.count()).toBe(1);
    });

    it('can run from two connections (at once on PostgreSQL)', async () => {
      const other = await connectAgain();
      // Two SQLite connections in one thread would block each other synchronously (busy_timeout);
      // across processes `begin immediate` serializes them.
      if (db === 'postgres') await Promise.all([getStore().migrate(), other.migrate()]);
      else await getStore().migrate().then(() => other.migrate());
      expect(await getStore().stores.count()).toBe(0);
      expect(await other.stores.count()).toBe(0);
    });
  },
  { migrate: false },
);

describe('migration list', () => {
  it('is named in order and the same on both dialects', () => {
    const sqlite = Object.keys(migrations('sqlite'));
    expect(sqlite).toEqual([...sqlite].sort());
    expect(Object.keys(migrations('postgres'))).toEqual(sqlite);
  });

  it('includes sqlite always', () => {
    expect(testDatabases().map((d) => d.name)).toContain('sqlite');
  });
});
