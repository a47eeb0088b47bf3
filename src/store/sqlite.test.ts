import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, isPostgresUrl, openDatabase } from './db';
import { isUniqueViolation } from './dialect';
import { newPaymentInput, seedStore } from './test-fixtures';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gyeol-sqlite-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite file', () => {
  it('creates the parent folder and keeps data across close and reopen', async () => {
    const file = path.join(tempDir(), 'nested', 'deeper', 'gyeol.sqlite');
    const first = await createStore({ sqlitePath: file });
    await first.migrate();
    const { store, channel } = await seedStore(first);
    const payment = await first.payments.insert(newPaymentInput(store.id, channel.id, { amount: 999_999_999_999 }));
    await first.close();
    await first.close(); // idempotent
    expect(existsSync(file)).toBe(true);

    const second = await createStore({ sqlitePath: file });
    await second.migrate();
    expect(second.dialect).toBe('sqlite');
    expect(await second.stores.findById(store.id)).toEqual(store);
    expect(await second.channels.findDefault(store.id)).toEqual(channel);
    expect(await second.payments.findByImpUid(store.id, payment.impUid)).toEqual(payment);
    await second.close();
  });

  it('sets the pragmas', async () => {
    const { db } = await openDatabase({ sqlitePath: path.join(tempDir(), 'p.sqlite') });
    try {
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(5000);
    } finally {
      await db.destroy();
    }
  });

  it('accepts :memory: and sqlite: URLs', async () => {
    const memory = await createStore({ sqlitePath: ':memory:' });
    await memory.migrate();
    expect(await memory.stores.count()).toBe(0);
    await memory.close();

    const file = path.join(tempDir(), 'url.sqlite');
    const viaUrl = await createStore({ databaseUrl: `sqlite:${file}` });
    await viaUrl.migrate();
    await viaUrl.close();
    expect(existsSync(file)).toBe(true);
  });

  it('rejects unknown URL schemes', async () => {
    await expect(createStore({ databaseUrl: 'mysql://localhost/x' })).rejects.toThrow(/Unsupported/);
  });
});

describe('dialect helpers', () => {
  it('recognizes PostgreSQL URLs', () => {
    expect(isPostgresUrl('postgres://u@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/db')).toBe(true);
    expect(isPostgresUrl('data/gyeol.sqlite')).toBe(false);
    expect(isPostgresUrl(undefined)).toBe(false);
  });

  it('recognizes unique violations of both dialects', () => {
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })).toBe(true);
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })).toBe(false);
    expect(isUniqueViolation(new Error('x'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
