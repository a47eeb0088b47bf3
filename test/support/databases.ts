/**
 * The databases tests run against: SQLite always, PostgreSQL when `DATABASE_URL` points at one.
 *
 * Usage in any test file — the block runs once per database, each test gets a fresh, migrated,
 * empty Store that is closed (and its file/schema removed) afterwards:
 *
 * ```ts
 * import { it, expect } from 'vitest';
 * import { forEachDatabase } from '../../test/support/databases';
 *
 * forEachDatabase((db, getStore) => {
 *   it('counts stores', async () => {
 *     expect(await getStore().stores.count()).toBe(0);
 *   });
 *   it.runIf(db === 'postgres')('only on PostgreSQL', async () => { ... });
 * });
 * ```
 *
 * `forEachDatabase(fn, { per: 'file' })` shares one store across the block's tests instead
 * (faster; tests must then not depend on an empty database). With the default `per: 'test'`,
 * `getStore()` works in tests and in `beforeEach`/`afterEach` hooks, not in nested `beforeAll`.
 * The third argument, `connectAgain()`, opens another Store with its own connections over the same
 * database (PostgreSQL: real concurrency between two pools); it is closed with the main one.
 *
 * Without `DATABASE_URL`, PostgreSQL tests are skipped with a loud warning; with `CI=true` that is
 * an error, because CI must test PostgreSQL. Enable locally with:
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm test
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { createStore } from '../../src/store/db';
import type { Store } from '../../src/store/types';

export type DatabaseName = 'sqlite' | 'postgres';

/** A Store made for a test; `close()` also deletes its SQLite file or drops its PostgreSQL schema. */
export interface TestStore extends Store {
  /** Opens another Store (own connection/pool) over the same database; closed by `close()`. */
  connectAgain(): Promise<Store>;
}

export interface TestDatabase {
  name: DatabaseName;
  /** A fresh, empty database; migrated unless `{ migrate: false }`. */
  create(options?: { migrate?: boolean }): Promise<TestStore>;
}

let warned = false;

/**
 * The PostgreSQL URL tests should use, or null (after warning loudly) when there is none.
 * Throws when `CI=true` and `DATABASE_URL` is missing.
 */
export function postgresTestUrl(): string | null {
  const url = process.env.DATABASE_URL;
  if (url && /^postgres(ql)?:\/\//i.test(url)) return url;
  if (process.env.CI === 'true') {
    throw new Error(
      'CI=true but DATABASE_URL is not a postgres:// URL: CI must run the PostgreSQL tests (.ci/run starts PostgreSQL and sets DATABASE_URL)',
    );
  }
  if (!warned) {
    warned = true;
    console.warn(
      '\n*** SKIPPING PostgreSQL tests: DATABASE_URL is not set. Enable them with:\n' +
        '***   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm test ***\n',
    );
  }
  return null;
}

/** SQLite always; PostgreSQL when DATABASE_URL is set (see postgresTestUrl). */
export function testDatabases(): TestDatabase[] {
  const databases: TestDatabase[] = [{ name: 'sqlite', create: createSqlite }];
  const url = postgresTestUrl();
  if (url) databases.push({ name: 'postgres', create: (options) => createPostgres(url, options) });
  return databases;
}

async function createSqlite(options: { migrate?: boolean } = {}): Promise<TestStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-test-'));
  const sqlitePath = path.join(dir, 'gyeol.sqlite');
  return wrap(await createStore({ sqlitePath }), () => createStore({ sqlitePath }), options, async () => {
    rmSync(dir, { recursive: true, force: true });
  });
}

/** A new schema name for a test's own tables on PostgreSQL (removed with {@link dropTestSchema}). */
export function newTestSchema(): string {
  return `gyeol_t_${randomBytes(6).toString('hex')}`;
}

/** Drops a test's schema and everything in it. */
export async function dropTestSchema(databaseUrl: string, pgSchema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${pgSchema}" cascade`);
  } finally {
    await client.end();
  }
}

async function createPostgres(databaseUrl: string, options: { migrate?: boolean } = {}): Promise<TestStore> {
  const pgSchema = newTestSchema();
  return wrap(await createStore({ databaseUrl, pgSchema }), () => createStore({ databaseUrl, pgSchema }), options, () => dropTestSchema(databaseUrl, pgSchema));
}

async function wrap(
  store: Store,
  open: () => Promise<Store>,
  options: { migrate?: boolean },
  remove: () => Promise<void>,
): Promise<TestStore> {
  const others: Store[] = [];
  let closing: Promise<void> | null = null;
  const testStore: TestStore = {
    dialect: store.dialect,
    stores: store.stores,
    channels: store.channels,
    payments: store.payments,
    checkoutSessions: store.checkoutSessions,
    accessTokens: store.accessTokens,
    strayApprovals: store.strayApprovals,
    webhookSettings: store.webhookSettings,
    webhooks: store.webhooks,
    paymentPrepares: store.paymentPrepares,
    cancellations: store.cancellations,
    receipts: store.receipts,
    escrowDeliveries: store.escrowDeliveries,
    billingCustomers: store.billingCustomers,
    schedules: store.schedules,
    transaction: (work) => store.transaction(work),
    onEventsCommitted: (listener) => store.onEventsCommitted(listener),
    migrate: () => store.migrate(),
    async connectAgain(): Promise<Store> {
      const other = await open();
      others.push(other);
      return other;
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.allSettled(others.map((o) => o.close()));
        await store.close();
        await remove();
      })();
      return closing;
    },
  };
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await testStore.close();
      throw error;
    }
  }
  return testStore;
}

export interface ForEachDatabaseOptions {
  /** `test` (default): a fresh store per test; `file`: one store for the whole block. */
  per?: 'test' | 'file';
  /** Apply migrations (default true). */
  migrate?: boolean;
}

/**
 * Declares `fn`'s tests once per database inside `describe('<name>')`, with a fresh store made
 * before and closed after each test (or the whole block with `per: 'file'`).
 */
export function forEachDatabase(
  fn: (name: DatabaseName, getStore: () => Store, extra: { connectAgain(): Promise<Store> }) => void,
  options: ForEachDatabaseOptions = {},
): void {
  for (const database of testDatabases()) {
    describe(database.name, () => {
      let store: TestStore | null = null;
      const setUp = async () => {
        store = await database.create({ migrate: options.migrate });
      };
      const tearDown = async () => {
        const current = store;
        store = null;
        await current?.close();
      };
      if (options.per === 'file') {
        beforeAll(setUp);
        afterAll(tearDown);
      } else {
        beforeEach(setUp);
        afterEach(tearDown);
      }
      const getStore = (): TestStore => {
        if (!store) throw new Error(`No ${database.name} store here: getStore() works inside tests and beforeEach/afterEach hooks`);
        return store;
      };
      fn(database.name, getStore, { connectAgain: () => getStore().connectAgain() });
    });
  }
}
