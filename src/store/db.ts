import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { isPostgresUrl, type StoreDialect } from './dialect';
import { migrateToLatest } from './migrations';
import { OutboxSignal } from './outbox';
import { PaymentRowCache } from './payment-row-cache';
import { createRepositories, type DirectRead } from './repositories';
import type { Database } from './schema';
import type { Repositories, Store, StoreOptions } from './types';
import { GyeolSqliteDialect } from './sqlite-driver';

export { StatementCache, STATEMENT_CACHE_SIZE } from './sqlite-driver';

export { isUniqueViolation, isForeignKeyViolation, isPostgresUrl, type StoreDialect } from './dialect';

/** Where the SQLite file lives when neither `sqlitePath` nor a `sqlite:` URL is given. */
export const DEFAULT_SQLITE_PATH = 'data/gyeol.sqlite';
/** Payments one store instance keeps read whole (PaymentRowCache; about 3 KB each). */
const PAYMENT_ROW_CACHE_SIZE = 2048;

/** BIGINT's type oid in PostgreSQL. */
const INT8_OID = 20;

/** An open Kysely database plus its dialect. Internal to src/store (and its tests). */
export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** SQLite only: a read outside transactions straight from the read-only connection (repositories.ts). */
  directRead?: DirectRead;
}

/**
 * Opens the database `options` describe (no migrations). PostgreSQL when `databaseUrl` is a
 * `postgres://`/`postgresql://` URL, otherwise SQLite at `sqlitePath` (or a `sqlite:` URL, or
 * DEFAULT_SQLITE_PATH).
 */
export async function openDatabase(options: StoreOptions): Promise<OpenDatabase> {
  if (isPostgresUrl(options.databaseUrl)) {
    return { db: await openPostgres(options.databaseUrl, options.pgSchema), dialect: 'postgres' };
  }
  return { ...openSqlite(sqlitePathOf(options)), dialect: 'sqlite' };
}

/** Opens the database and returns the repositories over it. Call `migrate()` before use. */
export async function createStore(options: StoreOptions): Promise<Store> {
  const { db, dialect, directRead } = await openDatabase(options);
  return new KyselyStore(db, dialect, directRead);
}

class KyselyStore implements Store {
  readonly stores: Repositories['stores'];
  readonly channels: Repositories['channels'];
  readonly payments: Repositories['payments'];
  readonly checkoutSessions: Repositories['checkoutSessions'];
  readonly accessTokens: Repositories['accessTokens'];
  readonly strayApprovals: Repositories['strayApprovals'];
  readonly webhookSettings: Repositories['webhookSettings'];
  readonly webhooks: Repositories['webhooks'];
  readonly paymentPrepares: Repositories['paymentPrepares'];
  readonly cancellations: Repositories['cancellations'];
  readonly receipts: Repositories['receipts'];
  readonly escrowDeliveries: Repositories['escrowDeliveries'];
  readonly billingCustomers: Repositories['billingCustomers'];
  readonly schedules: Repositories['schedules'];
  private closed: Promise<void> | null = null;
  private readonly outbox = new OutboxSignal();
  /** See Store.onEventsCommitted (a field, so copies of the store made by spreading keep it). */
  readonly onEventsCommitted = (listener: () => void): (() => void) => this.outbox.subscribe(listener);

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
    directRead?: DirectRead,
  ) {
    const repos = createRepositories(db, false, dialect, this.outbox.direct, directRead, new PaymentRowCache(PAYMENT_ROW_CACHE_SIZE));
    this.stores = repos.stores;
    this.channels = repos.channels;
    this.payments = repos.payments;
    this.checkoutSessions = repos.checkoutSessions;
    this.accessTokens = repos.accessTokens;
    this.strayApprovals = repos.strayApprovals;
    this.webhookSettings = repos.webhookSettings;
    this.webhooks = repos.webhooks;
    this.paymentPrepares = repos.paymentPrepares;
    this.cancellations = repos.cancellations;
    this.receipts = repos.receipts;
    this.escrowDeliveries = repos.escrowDeliveries;
    this.billingCustomers = repos.billingCustomers;
    this.schedules = repos.schedules;
  }

  /**
   * On SQLite one connection writes: while `work` runs, every write that does not go through the
   * repositories passed to it waits for `work` to end — so never write through the Store itself
   * from inside `work`. (Reads through the Store go to the read-only connection and see only what
   * is committed.) `transaction` resolves once the group it joined is durably committed
   * (`sqlite-driver.ts`).
   */
  async transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    const outbox = this.outbox.transaction();
    const result = await this.db.transaction().execute((trx) => work(createRepositories(trx, true, this.dialect, outbox)));
    outbox.committed();
    return result;
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db, this.dialect);
  }

  close(): Promise<void> {
    this.closed ??= this.db.destroy();
    return this.closed;
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite

function sqlitePathOf(options: StoreOptions): string {
  if (options.sqlitePath) return options.sqlitePath;
  const url = options.databaseUrl;
  if (url) {
    if (/^sqlite:/i.test(url)) return url.replace(/^sqlite:(\/\/)?/i, '') || DEFAULT_SQLITE_PATH;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      throw new Error(`Unsupported database URL scheme in ${url.split(':')[0]}://…: use postgres:// or a SQLite path`);
    }
    return url;
  }
  return DEFAULT_SQLITE_PATH;
}

function openSqlite(file: string): { db: Kysely<Database>; directRead: DirectRead } {
  if (file !== ':memory:' && !file.startsWith('file:')) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  const database = new BetterSqlite3(file);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
  } catch (error) {
    database.close();
    throw error;
  }
  // Reads outside transactions go to a second, read-only connection (it sees committed data only); an in-memory database has none.
  const reader = file === ':memory:' ? null : new BetterSqlite3(file, { readonly: true });
  reader?.pragma('busy_timeout = 5000');
  const dialect = new GyeolSqliteDialect({ file, writer: database, reader });
  const db = new Kysely<Database>({ dialect });
  return { db, directRead: (sql, parameters) => dialect.driver!.readNow(sql, parameters) };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * BIGINT (int8) → JS number, for this pool only (pg's global parsers stay untouched). Ids,
 * times (ms) and money (minor units, ≤ 999_999_999_999) all stay far below 2^53.
 */
const poolTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

async function openPostgres(url: string, schema: string | undefined): Promise<Kysely<Database>> {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    types: poolTypes,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  if (schema) {
    try {
      await pool.query(`create schema if not exists "${schema}"`);
    } catch (error) {
      // Two processes creating the same schema at once: one of them gets a duplicate error.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') {
        await pool.end();
        throw error;
      }
    }
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PreparingPool(pool) }) });
}

/** How many server-prepared statements one PostgreSQL connection keeps at most. */
export const PREPARED_PER_CONNECTION = 256;

/**
 * Runs Kysely's parameterized queries as **server-prepared statements** (issue 10): each
 * connection parses a statement once, under a name derived from its SQL text, and later runs
 * send only Bind/Execute — less work for PostgreSQL (no parse and plan per query) and fewer bytes
 * on the socket. Statements without parameters (`begin`, `commit`, DDL) stay unnamed. A
 * connection names at most {@link PREPARED_PER_CONNECTION} texts (pg keeps them for the
 * connection's life); further texts (e.g. `in (…)` lists of new lengths) run unnamed as before.
 * Each pool has one search_path, so a name always means one table set on its connections.
 */
export class PreparingPool {
  private readonly patched = new WeakSet<pg.PoolClient>();

  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    if (!this.patched.has(client)) {
      this.patched.add(client);
      const query = client.query.bind(client) as (config: unknown, values?: unknown) => Promise<pg.QueryResult>;
      const names = new Map<string, string>();
      (client as { query: unknown }).query = (text: unknown, values?: unknown[]) => {
        if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0) return query(text, values);
        let name = names.get(text);
        if (name === undefined && names.size < PREPARED_PER_CONNECTION) {
          name = `g_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
          names.set(text, name);
        }
        return name === undefined ? query(text, values) : query({ name, text, values });
      };
    }
    return client;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
