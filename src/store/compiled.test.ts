import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { definedKeys, runCompiled } from './compiled';

interface Db {
  t: { id: number; a: string | null; b: number | null };
}

describe('runCompiled', () => {
  let db: Kysely<Db>;
  afterEach(async () => db.destroy());
  const open = async () => {
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await db.schema.createTable('t').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('a', 'text').addColumn('b', 'integer').execute();
  };

  it('runs later calls of a shape with their own values through the SQL compiled by the first', async () => {
    await open();
    const insert = async (values: { id: number; a: string | null; b?: number }) => {
      const columns = definedKeys(values);
      return runCompiled(db, 'sqlite', `test.insert:${columns.join(',')}`, () => db.insertInto('t').values(values).returningAll(), columns.map((c) => values[c]));
    };
    expect((await insert({ id: 1, a: 'x', b: 10 })).rows).toEqual([{ id: 1, a: 'x', b: 10 }]);
    expect((await insert({ id: 2, a: null, b: 20 })).rows).toEqual([{ id: 2, a: null, b: 20 }]);
    // `b` left out is another shape (another SQL text), not the first one's with a missing value.
    expect((await insert({ id: 3, a: 'z' })).rows).toEqual([{ id: 3, a: 'z', b: null }]);
    expect(await db.selectFrom('t').selectAll().orderBy('id').execute()).toEqual([
      { id: 1, a: 'x', b: 10 },
      { id: 2, a: null, b: 20 },
      { id: 3, a: 'z', b: null },
    ]);
  });

  it('refuses a first call whose parameters are not the compiled query’s, running nothing', async () => {
    await open();
    const build = () => db.insertInto('t').values({ id: 1, a: 'x', b: 2 });
    await expect(runCompiled(db, 'sqlite', 'test.wrong-order', build, [1, 2, 'x'])).rejects.toThrow(/not those of the compiled query/);
    await expect(runCompiled(db, 'sqlite', 'test.too-few', build, [1, 'x'])).rejects.toThrow(/not those of the compiled query/);
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([]);
  });
});
