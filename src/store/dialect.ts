/**
 * Everything that differs between SQLite and PostgreSQL and is not hidden by Kysely lives here
 * (and in db.ts / the migrations). Repositories ask these helpers instead of testing the dialect.
 */
export type StoreDialect = 'sqlite' | 'postgres';

/** Whether a database URL selects PostgreSQL. */
export function isPostgresUrl(url: string | undefined): url is string {
  return typeof url === 'string' && /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Whether `error` is a violation of a UNIQUE or PRIMARY KEY constraint.
 * SQLite (better-sqlite3): `SQLITE_CONSTRAINT_UNIQUE` / `SQLITE_CONSTRAINT_PRIMARYKEY`;
 * PostgreSQL: SQLSTATE `23505` (unique_violation).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Whether `error` is a violation of a FOREIGN KEY constraint (SQLite or PostgreSQL `23503`). */
export function isForeignKeyViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}
