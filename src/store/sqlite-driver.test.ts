import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, type Generated } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { GyeolSqliteDialect, type GroupCommitLimits } from './sqlite-driver';

interface Db {
  items: { id: Generated<number>; name: string; parent: number | null };
}

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

function tempFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-group-'));
  open.push(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'g.sqlite');
}

async function openDb(file: string, limits?: Partial<GroupCommitLimits>) {
  const writer = new BetterSqlite3(file);
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = FULL');
  writer.pragma('foreign_keys = ON');
  writer.exec(
    'create table if not exists items (id integer primary key, name text not null unique, parent integer references items(id) deferrable initially deferred)',
  );
  const reader = new BetterSqlite3(file, { readonly: true });
  const dialect = new GyeolSqliteDialect({ file, writer, reader, limits });
  const db = new Kysely<Db>({ dialect });
  open.push(() => db.destroy());
  await db.selectFrom('items').select('id').execute(); // Kysely creates the driver on first use
  return { db, driver: dialect.driver! };
}

/** What a connection of its own — another process, say — sees committed in the file. */
function committedNames(file: string): string[] {
  const outside = new BetterSqlite3(file, { readonly: true });
  try {
    return (outside.prepare('select name from items order by name').all() as { name: string }[]).map((r) => r.name);
  } finally {
    outside.close();
  }
}

describe('group commit', () => {
  it('commits concurrent transactions together, and each resolves only once its group is committed', async () => {
    const file = tempFile();
    const { db, driver } = await openDb(file, { maxAgeMs: 60_000 });
    const seenAtResolve: string[][] = [];
    const names = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    await Promise.all(
      names.map((name) =>
        db
          .transaction()
          .execute(async (trx) => {
            await trx.insertInto('items').values({ name, parent: null }).execute();
            return name;
          })
          .then(() => seenAtResolve.push(committedNames(file))),
      ),
    );
    // Every transaction, when it resolved, was already visible to an outside connection — hence durable.
    expect(seenAtResolve).toHaveLength(20);
    names.forEach((name, i) => expect(seenAtResolve[i]).toContain(name));
    expect(committedNames(file)).toEqual(names);
    expect(driver.commits).toBeGreaterThanOrEqual(1);
    expect(driver.commits).toBeLessThan(20);
  });

  it("keeps a group member's writes from readers outside it until the group commits", async () => {
    const file = tempFile();
    const { db } = await openDb(file);
    let firstResolved = false;
    const first = db
      .transaction()
      .execute((trx) => trx.insertInto('items').values({ name: 'first', parent: null }).execute())
      .then(() => (firstResolved = true));
    const observed = await db.transaction().execute(async (trx) => {
      // Same group: this transaction sees the earlier member's write ...
      const inGroup = await trx.selectFrom('items').select('name').execute();
      // ... a read outside any transaction, and any other connection, do not (not committed yet).
      const outsideRead = await db.selectFrom('items').select('name').execute();
      return { inGroup: inGroup.map((r) => r.name), outsideRead: outsideRead.map((r) => r.name), outsideFile: committedNames(file), firstResolved };
    });
    await first;
    expect(observed).toEqual({ inGroup: ['first'], outsideRead: [], outsideFile: [], firstResolved: false });
    expect((await db.selectFrom('items').select('name').execute()).map((r) => r.name)).toEqual(['first']);
  });

  it('undoes only the failing member: the others of its group commit', async () => {
    const file = tempFile();
    const { db, driver } = await openDb(file, { maxAgeMs: 60_000 }); // one group whatever the machine's speed
    const results = await Promise.allSettled([
      db.transaction().execute((trx) => trx.insertInto('items').values({ name: 'a', parent: null }).execute()),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ name: 'b', parent: null }).execute();
        throw new Error('changed its mind');
      }),
      db.insertInto('items').values({ name: 'a', parent: null }).execute(), // a lone write that breaks the unique name
      db.transaction().execute((trx) => trx.insertInto('items').values({ name: 'c', parent: null }).execute()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/changed its mind/);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(committedNames(file)).toEqual(['a', 'c']);
    expect(driver.commits).toBe(1);
  });

  it('fails every member of a group whose COMMIT fails, and keeps none of their writes', async () => {
    const file = tempFile();
    const { db } = await openDb(file);
    // A deferred foreign key is checked at COMMIT: one member's dangling parent fails the whole group's commit.
    const results = await Promise.allSettled([
      db.transaction().execute((trx) => trx.insertInto('items').values({ name: 'fine', parent: null }).execute()),
      db.transaction().execute((trx) => trx.insertInto('items').values({ name: 'dangling', parent: 999 }).execute()),
      db.insertInto('items').values({ name: 'lone', parent: null }).execute(),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect(String((r as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(committedNames(file)).toEqual([]);
    // The next group is a fresh transaction.
    await db.insertInto('items').values({ name: 'after', parent: null }).execute();
    expect(committedNames(file)).toEqual(['after']);
  });

  it('a lone write resolves once committed; a lone read sees only committed data', async () => {
    const file = tempFile();
    const { db } = await openDb(file);
    const result = await db.insertInto('items').values({ name: 'lone', parent: null }).executeTakeFirst();
    expect(committedNames(file)).toEqual(['lone']);
    expect(Number(result.insertId)).toBe(1);
    expect(await db.selectFrom('items').select(['id', 'name']).execute()).toEqual([{ id: 1, name: 'lone' }]);
  });

  it('commits a group once it holds maxMembers, even while more are waiting', async () => {
    const file = tempFile();
    const { db, driver } = await openDb(file, { maxMembers: 3, maxAgeMs: 60_000 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => db.insertInto('items').values({ name: `m${i}`, parent: null }).execute()));
    expect(driver.commits).toBeGreaterThanOrEqual(4);
    expect(committedNames(file)).toHaveLength(12);
  });

  it('two stores of one process on one file take turns without a busy error', async () => {
    const file = tempFile();
    const one = await openDb(file);
    const two = await openDb(file);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? one : two).db.transaction().execute(async (trx) => {
          await trx.insertInto('items').values({ name: `t${String(i).padStart(2, '0')}`, parent: null }).execute();
          await new Promise((resolve) => setImmediate(resolve)); // a member that spans event-loop turns
        }),
      ),
    );
    expect(committedNames(file)).toHaveLength(30);
    expect(await sql<{ n: number }>`select count(*) as n from items`.execute(two.db).then((r) => r.rows[0]!.n)).toBe(30);
  });
});
