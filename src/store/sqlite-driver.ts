/**
 * gyeol's SQLite driver for Kysely: group commit on one writing connection, reads outside
 * transactions on a second, read-only connection, and prepared statements kept by their text.
 *
 * Group commit (issue 10). With `synchronous = FULL` every COMMIT waits for the disk (about half
 * a millisecond here), so one commit per transaction caps the gateway at about 2,000 transactions
 * a second whatever else it does. Instead, transactions that arrive while others are running are
 * joined into one SQLite transaction ("group"): each runs inside its own SAVEPOINT (its failure
 * rolls back only its own writes), and the group is committed once — right after the event loop
 * has taken in everything that was ready (`setImmediate`), or sooner when the group is large or
 * old. **No caller hears that its transaction (or lone write) succeeded before the group's COMMIT
 * has returned**: `commitTransaction` and a write outside a transaction resolve only then, and if
 * the COMMIT fails, every transaction of the group fails. Durability stays `synchronous = FULL`.
 *
 * Isolation. A transaction sees the writes of earlier transactions of its group (they are
 * ordered, as with one connection before); nobody outside the group does until the COMMIT:
 * queries outside a transaction that only read run on the read-only connection, which sees the
 * last committed state (WAL). A write outside a transaction is a group member of its own.
 *
 * Several stores of one process on one file (tests, two gateways) take turns on the file through
 * an asynchronous lock: SQLite's own `busy_timeout` waits synchronously, which would block the
 * very event loop that has to commit the group holding the lock. Other processes on the same file
 * wait through `busy_timeout` as before (`BEGIN IMMEDIATE` takes the write lock up front).
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/** How many prepared statements one SQLite connection keeps (least recently used ones go first). */
export const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely's SQLite driver prepares every query again (`db.prepare(sql)` per call), and a profile of
 * `GET /payments/{imp_uid}` spent about a fifth of its time there (issue 10). Kysely compiles the
 * same builder to the same SQL text, so statements are kept by their text and reused. Each
 * connection runs one query at a time (better-sqlite3 is synchronous), so a statement is never
 * used by two queries at once; SQLite re-prepares a kept statement by itself after a schema change.
 */
export class StatementCache {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    readonly database: BetterSqlite3.Database,
    private readonly size = STATEMENT_CACHE_SIZE,
  ) {}

  prepare(sql: string): BetterSqlite3.Statement {
    const kept = this.statements.get(sql);
    if (kept) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.statements.delete(sql);
      this.statements.set(sql, kept);
      return kept;
    }
    const statement = this.database.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > this.size) this.statements.delete(this.statements.keys().next().value as string);
    return statement;
  }

  /** How many statements are kept now (tests). */
  get kept(): number {
    return this.statements.size;
  }

  close(): void {
    this.statements.clear();
    this.database.close();
  }
}

/** When a group is committed at the latest, whatever else is waiting. */
export interface GroupCommitLimits {
  /** Transactions and lone writes in one group (default 256). */
  maxMembers: number;
  /** Milliseconds since the group's first member began (default 5). */
  maxAgeMs: number;
}

const DEFAULT_LIMITS: GroupCommitLimits = { maxMembers: 256, maxAgeMs: 5 };

/** A FIFO lock handed from one holder straight to the next. */
class AsyncLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  get locked(): boolean {
    return this.held;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

/** One write lock per SQLite file for every connection of this process (see the file's comment). */
const fileLocks = new Map<string, AsyncLock>();

function fileLockOf(file: string): AsyncLock | null {
  if (file === ':memory:' || file === '' || file.startsWith('file:')) return null;
  const key = path.resolve(file);
  let lock = fileLocks.get(key);
  if (!lock) {
    lock = new AsyncLock();
    fileLocks.set(key, lock);
  }
  return lock;
}

interface Group {
  members: number;
  openedAt: number;
  /** Settles once the group's COMMIT has returned (or failed). */
  committed: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  /** Set when SQLite rolled the whole group back (an I/O error, a full disk). */
  failed: unknown;
}

const UNIT = 'gyeol_unit';
const PRAGMA = /^\s*pragma\b/i;

export interface GroupCommitDriverOptions {
  file: string;
  writer: BetterSqlite3.Database;
  /** A read-only connection to the same file; null for an in-memory database. */
  reader: BetterSqlite3.Database | null;
  limits?: Partial<GroupCommitLimits>;
}

export class GroupCommitSqliteDriver implements Driver {
  readonly writer: StatementCache;
  readonly reader: StatementCache | null;
  private readonly limits: GroupCommitLimits;
  private readonly fileLock: AsyncLock | null;
  /** One member (a transaction, a lone write or, without a reader, a read) at a time on the writer. */
  private readonly memberLock = new AsyncLock();
  private group: Group | null = null;
  private flushScheduled = false;
  private flushWanted = false;
  /** Groups committed so far (tests, benchmarks). */
  commits = 0;

  constructor(options: GroupCommitDriverOptions) {
    this.writer = new StatementCache(options.writer);
    this.reader = options.reader ? new StatementCache(options.reader) : null;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.fileLock = fileLockOf(options.file);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GroupConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as GroupConnection;
    await this.enterMember();
    try {
      this.writer.database.exec(`savepoint ${UNIT}`);
    } catch (error) {
      this.leaveMember();
      throw error;
    }
    c.group = this.group;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as GroupConnection;
    const group = c.group!;
    c.group = null;
    try {
      this.assertAlive(group);
      this.writer.database.exec(`release ${UNIT}`);
    } catch (error) {
      this.failIfRolledBack(group, error);
      this.undoMember(group);
      this.leaveMember();
      throw error;
    }
    group.members++;
    this.leaveMember();
    await group.committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as GroupConnection;
    const group = c.group;
    if (!group) return; // already left (its commit failed)
    c.group = null;
    this.undoMember(group);
    this.leaveMember();
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name}"`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name}"`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${name}"`));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    // Let every member that has begun finish, then commit what is left.
    await this.memberLock.acquire();
    try {
      if (this.group) this.commitGroup();
    } finally {
      this.memberLock.release();
    }
    this.reader?.close();
    this.writer.close();
  }

  /**
   * A read outside any transaction straight from the read-only connection — no query builder, no
   * promise hop (the store's hottest reads; a Kysely query costs several times the statement
   * itself). Null without a read-only connection (an in-memory database).
   */
  readNow(sql: string, parameters: readonly unknown[]): unknown[] | null {
    if (!this.reader) return null;
    const statement = this.reader.prepare(sql);
    if (!statement.readonly) throw new Error('readNow only reads');
    return statement.all(parameters as unknown[]);
  }

  /** A query outside a transaction: reads on the reader; a write is a group member of its own. */
  async executeAlone(query: CompiledQuery): Promise<QueryResult<unknown>> {
    // A PRAGMA reads or sets the connection it runs on: the writer's are the ones that matter.
    if (this.reader && !PRAGMA.test(query.sql)) {
      const statement = this.reader.prepare(query.sql);
      if (statement.readonly) return run(statement, query.parameters);
    }
    await this.enterMember();
    const group = this.group!;
    let result: QueryResult<unknown>;
    try {
      result = run(this.writer.prepare(query.sql), query.parameters);
    } catch (error) {
      // A failed statement undoes only itself, unless SQLite rolled back the whole transaction.
      this.failIfRolledBack(group, error);
      this.leaveMember();
      throw error;
    }
    if (this.writer.prepare(query.sql).readonly) {
      // A read (or a PRAGMA) on the writer: nothing to commit.
      this.leaveMember();
      return result;
    }
    group.members++;
    this.leaveMember();
    await group.committed;
    return result;
  }

  /** A query inside a transaction: on the writer, within the transaction's savepoint. */
  executeInTransaction(group: Group, query: CompiledQuery): QueryResult<unknown> {
    this.assertAlive(group);
    try {
      return run(this.writer.prepare(query.sql), query.parameters);
    } catch (error) {
      this.failIfRolledBack(group, error);
      throw error;
    }
  }

  private async enterMember(): Promise<void> {
    await this.memberLock.acquire();
    if (this.group) return;
    try {
      if (this.fileLock) await this.fileLock.acquire();
      try {
        this.writer.database.exec('begin immediate');
      } catch (error) {
        this.fileLock?.release();
        throw error;
      }
    } catch (error) {
      this.memberLock.release();
      throw error;
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    committed.catch(() => {}); // members await it; a group nobody awaits must not be an unhandled rejection
    this.group = { members: 0, openedAt: Date.now(), committed, resolve, reject, failed: undefined };
  }

  /** Ends the current member's turn: commits now if the group is due, else lets the next member in or commits once the event loop has taken in what was ready. */
  private leaveMember(): void {
    const group = this.group;
    if (group) {
      const due = this.flushWanted || group.members >= this.limits.maxMembers || Date.now() - group.openedAt >= this.limits.maxAgeMs;
      if (due || this.memberLock.waiting === 0) {
        if (due) this.commitGroup();
        else this.scheduleFlush();
      }
    }
    this.memberLock.release();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.group) return;
      if (this.memberLock.locked) {
        this.flushWanted = true; // the member running now commits the group when it leaves
        return;
      }
      this.commitGroup();
    });
  }

  private commitGroup(): void {
    const group = this.group!;
    this.group = null;
    this.flushWanted = false;
    try {
      if (group.failed !== undefined) throw group.failed;
      this.writer.database.exec('commit');
      this.commits++;
      group.resolve();
    } catch (error) {
      if (this.writer.database.inTransaction) {
        try {
          this.writer.database.exec('rollback');
        } catch {
          // nothing more can be undone
        }
      }
      group.reject(error);
    } finally {
      this.fileLock?.release();
    }
  }

  /** Undoes one transaction's writes and leaves the group as it was before it. */
  private undoMember(group: Group): void {
    if (group.failed !== undefined || !this.writer.database.inTransaction) return;
    try {
      this.writer.database.exec(`rollback to ${UNIT}`);
      this.writer.database.exec(`release ${UNIT}`);
    } catch (error) {
      this.failIfRolledBack(group, error);
    }
  }

  private failIfRolledBack(group: Group, error: unknown): void {
    if (group.failed === undefined && !this.writer.database.inTransaction) group.failed = error;
  }

  private assertAlive(group: Group): void {
    if (group.failed !== undefined) throw group.failed;
  }
}

function run(statement: BetterSqlite3.Statement, parameters: readonly unknown[]): QueryResult<unknown> {
  if (statement.reader) return { rows: statement.all(parameters) };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return {
    numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
    insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
    rows: [],
  };
}

/** One use of the driver: a lone query, or a whole transaction (Kysely keeps the same object for it). */
class GroupConnection implements DatabaseConnection {
  group: Group | null = null;

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.group) {
      try {
        return Promise.resolve(this.driver.executeInTransaction(this.group, query) as QueryResult<R>);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.driver.executeAlone(query) as Promise<QueryResult<R>>;
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQLite');
  }
}

/**
 * Kysely's SQLite dialect over the group-commit driver. DDL runs in transactions (SQLite supports
 * it), so each migration run is atomic and concurrent migrators in several processes serialize.
 */
export class GyeolSqliteDialect implements Dialect {
  /** The driver Kysely made (tests read its `commits`). */
  driver: GroupCommitSqliteDriver | null = null;
  constructor(private readonly options: GroupCommitDriverOptions) {}
  createDriver(): Driver {
    this.driver = new GroupCommitSqliteDriver(this.options);
    return this.driver;
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
