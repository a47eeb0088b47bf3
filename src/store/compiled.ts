import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { StoreDialect } from './dialect';

/** The keys of `values` whose value is defined (Kysely leaves undefined ones out of the SQL), in order. */
export function definedKeys<T extends object>(values: T): Array<keyof T & string> {
  return (Object.keys(values) as Array<keyof T & string>).filter((key) => values[key] !== undefined);
}

/** SQL texts by dialect and shape key. */
const TEXTS = new Map<string, string>();

/**
 * Runs a query that Kysely builds and compiles once per dialect and `shape` (issue 10): building
 * and compiling were 14 % of the gateway's CPU in a billing charge, more than SQLite's own work
 * for some of its statements. `build` makes this call's query, with this call's values;
 * `parameters` are the same values in the order the compiled SQL takes them. `shape` must name
 * everything that changes the SQL text (which columns are set, which conditions are present).
 *
 * The first call of each shape compiles `build()` and checks that its parameters are exactly
 * `parameters`, so a wrong order or a shape key that misses a variant fails at once (in the
 * tests), not later with wrong values.
 */
export async function runCompiled<R>(
  db: Kysely<any>,
  dialect: StoreDialect,
  shape: string,
  build: () => Compilable<R>,
  parameters: readonly unknown[],
): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(compiledSql(dialect, shape, build, parameters), [...parameters]));
}

/**
 * The SQL text of `build()`, compiled once per dialect and `shape`. With `parameters`, the first
 * compile checks they are exactly the query's (see {@link runCompiled}); without, `build` may use
 * placeholder values (the caller then answers for the parameters' order).
 */
export function compiledSql(dialect: StoreDialect, shape: string, build: () => Compilable<unknown>, parameters?: readonly unknown[]): string {
  const key = `${dialect}:${shape}`;
  let text = TEXTS.get(key);
  if (text === undefined) {
    const compiled = build().compile();
    const same =
      parameters === undefined || (compiled.parameters.length === parameters.length && compiled.parameters.every((value, i) => Object.is(value, parameters[i])));
    if (!same) throw new TypeError(`runCompiled(${shape}): the parameters given are not those of the compiled query`);
    text = compiled.sql;
    TEXTS.set(key, text);
  }
  return text;
}
