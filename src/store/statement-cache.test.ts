import BetterSqlite3 from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { StatementCache } from './db';

let open: StatementCache | null = null;
afterEach(() => {
  open?.close();
  open = null;
});

function cache(size?: number): StatementCache {
  const database = new BetterSqlite3(':memory:');
  database.exec('create table t (id integer primary key, v text)');
  open = new StatementCache(database, size);
  return open;
}

it('hands back the same prepared statement for the same SQL text', () => {
  const c = cache();
  const first = c.prepare('select v from t where id = ?');
  expect(c.prepare('select v from t where id = ?')).toBe(first);
  expect(c.prepare('select id from t where id = ?')).not.toBe(first);
  expect(c.kept).toBe(2);
});

it('keeps at most its size, dropping the least recently used statement', () => {
  const c = cache(2);
  const a = c.prepare('select 1');
  const b = c.prepare('select 2');
  expect(c.prepare('select 1')).toBe(a); // a is now the most recently used
  c.prepare('select 3'); // evicts b
  expect(c.kept).toBe(2);
  expect(c.prepare('select 1')).toBe(a);
  expect(c.prepare('select 2')).not.toBe(b);
});

it('a kept statement sees a column added after it was prepared', () => {
  const c = cache();
  c.prepare('insert into t (id, v) values (?, ?)').run(1, 'x');
  const select = c.prepare('select * from t where id = ?');
  expect(select.get(1)).toEqual({ id: 1, v: 'x' });
  c.prepare('alter table t add column w text').run();
  expect(c.prepare('select * from t where id = ?').get(1)).toEqual({ id: 1, v: 'x', w: null });
});
