import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresTestUrl } from '../../test/support/databases';
import { createStore, openDatabase, PREPARED_PER_CONNECTION, PreparingPool } from './db';
import { newStoreInput } from './test-fixtures';

const url = postgresTestUrl();
const schemas: string[] = [];
const newSchema = () => {
  const name = `gyeol_t_${randomBytes(6).toString('hex')}`;
  schemas.push(name);
  return name;
};

describe.runIf(url)('PostgreSQL specifics', () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url! });
    await client.connect();
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('runs parameterized queries as statements prepared once per connection, at most PREPARED_PER_CONNECTION texts', async () => {
    const pool = new PreparingPool(new pg.Pool({ connectionString: url!, max: 1 }));
    try {
      const client = await pool.connect();
      const prepared = async () => (await client.query('select name from pg_prepared_statements')).rows.map((r: { name: string }) => r.name);
      expect((await client.query('select $1::int + 1 as x', [41])).rows).toEqual([{ x: 42 }]);
      expect((await client.query('select $1::int + 1 as x', [1])).rows).toEqual([{ x: 2 }]);
      expect(await prepared()).toEqual([expect.stringMatching(/^g_[0-9a-f]{20}$/)]);
      // Without parameters: unnamed, as before.
      await client.query('select 1');
      expect(await prepared()).toHaveLength(1);
      for (let i = 0; i < PREPARED_PER_CONNECTION + 10; i++) expect((await client.query(`select $1::int + ${i} as x`, [1])).rows).toEqual([{ x: 1 + i }]);
      expect(await prepared()).toHaveLength(PREPARED_PER_CONNECTION);
      client.release();
      // The same connection from the pool again: its statements are still named.
      const again = await pool.connect();
      expect((await again.query('select $1::int + 1 as x', [5])).rows).toEqual([{ x: 6 }]);
      expect((await again.query('select name from pg_prepared_statements')).rows).toHaveLength(PREPARED_PER_CONNECTION);
      again.release();
    } finally {
      await pool.end();
    }
  });

  it('isolates schemas', async () => {
    const a = await createStore({ databaseUrl: url!, pgSchema: newSchema() });
    const b = await createStore({ databaseUrl: url!, pgSchema: newSchema() });
    try {
      await a.migrate();
      await b.migrate();
      await a.stores.insert(newStoreInput());
      expect(await a.stores.count()).toBe(1);
      expect(await b.stores.count()).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('uses BIGINT for money, times and ids, and parses it to numbers only in its own pool', async () => {
    const schema = newSchema();
    const { db } = await openDatabase({ databaseUrl: url!, pgSchema: schema });
    try {
      const store = await createStore({ databaseUrl: url!, pgSchema: schema });
      await store.migrate();
      await store.close();
      const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
        select table_name, column_name, data_type from information_schema.columns
        where table_schema = ${schema} and column_name in ('id', 'amount', 'cancel_amount', 'started_at', 'expires_at', 'store_id')`.execute(db);
      const types = new Set(rows.map((r) => `${r.table_name}.${r.column_name}:${r.data_type}`));
      for (const column of ['payments.amount', 'payments.cancel_amount', 'payments.started_at', 'payments.id', 'stores.id', 'access_tokens.expires_at', 'payments.store_id']) {
        expect(types).toContain(`${column}:bigint`);
      }
      const big = await sql<{ n: number }>`select 999999999999::bigint as n`.execute(db);
      expect(big.rows[0].n).toBe(999_999_999_999);
    } finally {
      await db.destroy();
    }
    // Other pg users in this process still get strings for int8.
    const client = new pg.Client({ connectionString: url! });
    await client.connect();
    const { rows } = await client.query('select 999999999999::bigint as n');
    await client.end();
    expect(rows[0].n).toBe('999999999999');
  });

  it('rejects an unsafe schema name', async () => {
    await expect(createStore({ databaseUrl: url!, pgSchema: 'x"; drop schema public; --' })).rejects.toThrow(/Invalid PostgreSQL schema/);
  });
});
