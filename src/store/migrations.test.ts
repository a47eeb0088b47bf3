import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { dropTestSchema, forEachDatabase, newTestSchema, postgresTestUrl, testDatabases, type DatabaseName } from '../../test/support/databases';
import { openDatabase } from './db';
import { migrateToLatest, migrations } from './migrations';
import { newPaymentInput, newStoreInput, seedStore } from './test-fixtures';

forEachDatabase(
  (db, getStore, { connectAgain }) => {
    it('applies on an empty database, after which every repository reads back what it wrote', async () => {
      const store = getStore();
      expect(store.dialect).toBe(db);
      await expect(store.stores.count()).rejects.toThrow();
      await store.migrate();
      const { store: merchant, channel } = await seedStore(store);
      const payment = await store.payments.insert(newPaymentInput(merchant.id, channel.id));
      expect(await store.stores.findById(merchant.id)).toEqual(merchant);
      expect(await store.channels.findById(merchant.id, channel.id)).toEqual(channel);
      expect(await store.payments.findById(merchant.id, payment.id)).toEqual(payment);
    });

    it('is idempotent: running again keeps every row as it was', async () => {
      const store = getStore();
      await store.migrate();
      const { store: merchant, channel } = await seedStore(store);
      const payment = await store.payments.insert(newPaymentInput(merchant.id, channel.id));
      await store.migrate();
      await store.migrate();
      expect(await store.stores.count()).toBe(1);
      expect(await store.stores.findById(merchant.id)).toEqual(merchant);
      expect(await store.payments.findById(merchant.id, payment.id)).toEqual(payment);
    });

    it('can run from two connections (at once on PostgreSQL), each then seeing the other’s rows', async () => {
      const other = await connectAgain();
      // Two SQLite connections in one thread would block each other synchronously (busy_timeout);
      // across processes `begin immediate` serializes them.
      const both = db === 'postgres' ? Promise.all([getStore().migrate(), other.migrate()]) : getStore().migrate().then(() => other.migrate());
      await both;
      const mine = await getStore().stores.insert(newStoreInput());
      const theirs = await other.stores.insert(newStoreInput());
      expect(await other.stores.findById(mine.id)).toEqual(mine);
      expect(await getStore().stores.findById(theirs.id)).toEqual(theirs);
    });
  },
  { migrate: false },
);

/** A raw, empty database of each kind, to look at the migration bookkeeping itself. */
async function openEmpty(name: DatabaseName): Promise<{ open(): Promise<Kysely<any>>; remove(): Promise<void> }> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-migrations-'));
    const sqlitePath = path.join(dir, 'gyeol.sqlite');
    return {
      open: async () => (await openDatabase({ sqlitePath })).db,
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const databaseUrl = postgresTestUrl()!;
  const pgSchema = newTestSchema();
  return {
    open: async () => (await openDatabase({ databaseUrl, pgSchema })).db,
    remove: () => dropTestSchema(databaseUrl, pgSchema),
  };
}

for (const { name } of testDatabases()) {
  describe(`migration bookkeeping (${name})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    const fresh = async () => {
      const database = await openEmpty(name);
      cleanups.push(database.remove);
      const connect = async () => {
        const db = await database.open();
        cleanups.push(() => db.destroy());
        return db;
      };
      return connect;
    };
    const allNames = Object.keys(migrations(name)).sort();

    it('applies each migration once, in name order, and records it', async () => {
      const db = await (await fresh())();
      expect(await migrateToLatest(db, name)).toEqual(allNames);
      expect(await migrateToLatest(db, name)).toEqual([]);
      const recorded = await sql<{ name: string }>`select name from gyeol_migrations order by name`.execute(db);
      expect(recorded.rows.map((row) => row.name)).toEqual(allNames);
    });

    it.runIf(name === 'postgres')('lets exactly one of two concurrent runs apply them', async () => {
      const connect = await fresh();
      const [a, b] = [await connect(), await connect()];
      const ran = await Promise.all([migrateToLatest(a, name), migrateToLatest(b, name)]);
      expect(ran.map((names) => names.length).sort()).toEqual([0, allNames.length]);
      const recorded = await sql<{ name: string }>`select name from gyeol_migrations order by name`.execute(a);
      expect(recorded.rows.map((row) => row.name)).toEqual(allNames);
    });
  });
}

describe('migration list', () => {
  it('has the same migrations on both dialects', () => {
    expect(Object.keys(migrations('postgres')).sort()).toEqual(Object.keys(migrations('sqlite')).sort());
  });
});
