/**
 * Counting and paging `GET /payments/status/{status}` by hour (issue 10, benchmark 5), over the
 * per-hour counts of migration 0018.
 *
 * A list asks for the payments of a status whose status time lies in a window (at most 90 days),
 * in an order, one page at an offset, with the `total`. Walking every matching row for the total
 * and skipping `offset` rows for a deep page cost over a second at a million payments. Instead:
 *
 * - **total**: the counts of the hours wholly inside the window, plus an exact indexed count of the
 *   two partial hours at its edges;
 * - **page**, when the order is by the window's own time (`-paid` for paid, `-started` for all and
 *   ready): walk the hours in the list's order adding their counts until the offset falls inside
 *   one, then read the page from that hour's start with the rest of the offset — at most one
 *   hour's rows are skipped — and up to the end of the hour holding its last row (`farMs`): a
 *   range bounded on both sides, so no plan the database may pick reads more than those hours;
 * - **page** in started order of a status whose window is another time (the default `-started`
 *   for paid, failed, cancelled): when the window holds every payment of that status (the counts
 *   say so), the window filters nothing, and the started-time hours of that status page it the
 *   same way;
 * - anything else (`-updated`, a narrower window in started order) reads the page by offset,
 *   as before.
 *
 * Cost: the hours of the window (≤ 2,160 count rows) plus at most one hour's payments.
 */
import { sql, type Compilable, type Kysely } from 'kysely';
import type { PaymentStatus } from '../domain/payment';
import { HOUR_MS } from './migrations/0018_payment_time_counts';
import type { Database } from './schema';
import type { PaymentTimeBasis } from './types';

export type TimeColumn = PaymentTimeBasis | 'updated_at';

export interface ListFilter {
  storeId: number;
  status: PaymentStatus | 'all';
  basis: PaymentTimeBasis;
  /** Window on `basis`, [from, to) in ms. */
  fromMs: number;
  toMs: number;
  includeSandbox: boolean;
}

export interface HourPlan {
  total: number;
  /**
   * Where the page starts: the time range to read in the list's order and how many rows of it to
   * skip; `past-end` when the offset is past the last row; `by-offset` when this list cannot be
   * paged by hour (its order is not the window's time, and the window does not hold every payment
   * of the status), so the page is read by offset.
   */
  start:
    | {
        column: TimeColumn;
        lowMs: number | null;
        highMs: number | null;
        skip: number;
        /**
         * Where the page ends at the latest, by the counts: the start of the hour holding its last
         * row (descending order: a lower bound for `column`) or the end of that hour (ascending: an
         * upper bound); null when the page runs to the end of the list. Read with it, the page's
         * ids come from a range of a few hours' rows whichever plan the database picks; should a
         * concurrent change leave fewer than a page's rows in it, read again without it.
         */
        farMs: number | null;
      }
    | 'past-end'
    | 'by-offset';
}

/**
 * Runs a read whose SQL is built by Kysely once per `name` (`build`, with placeholder values in
 * the order `parameters` gives them): a list makes four or five of these reads, and building and
 * compiling them cost more than SQLite took to answer them (issue 10). `name` must tell apart
 * every shape `build` can return.
 */
export type CompiledRead = <R>(name: string, build: () => Compilable<R>, parameters: unknown[]) => Promise<R[]>;

/** Payments per hour of one status and family, hours in [fromHour, toHour], counts and unfolded deltas added. */
export async function hourCounts(
  db: Kysely<Database>,
  read: CompiledRead,
  filter: ListFilter,
  family: 'b' | 's',
  fromHour: number,
  toHour: number,
): Promise<Map<number, number>> {
  const build = () => {
    const part = (table: 'payment_time_counts' | 'payment_time_count_deltas') => {
      let q = db.selectFrom(table).select(['hour', 'n']).where('store_id', '=', 0).where('status', '=', '').where('family', '=', '').where('hour', '>=', 0).where('hour', '<=', 0);
      if (!filter.includeSandbox) q = q.where('sandbox', '=', 0);
      return q;
    };
    // One query (one round trip on PostgreSQL): the folded counts and the changes not folded yet.
    return db
      .selectFrom(part('payment_time_counts').unionAll(part('payment_time_count_deltas')).as('c'))
      .select(['c.hour', (eb) => eb.fn.sum<number | string>('c.n').as('n')])
      .groupBy('c.hour');
  };
  const part = [filter.storeId, filter.status, family, fromHour, toHour, ...(filter.includeSandbox ? [] : [0])];
  const rows = await read(`hourCounts:${filter.includeSandbox}`, build, [...part, ...part]);
  return new Map(rows.map((row) => [Number(row.hour), Number(row.n)]));
}

/**
 * Payments of one status and family in hours [fromHour, toHour], counts and unfolded deltas added:
 * one number, summed by the database (reading a year of hours into JavaScript to add them up cost
 * six times as much).
 */
async function hourSum(db: Kysely<Database>, read: CompiledRead, filter: ListFilter, family: 'b' | 's', fromHour: number, toHour: number): Promise<number> {
  if (toHour < fromHour) return 0;
  const build = () => {
    const part = (table: 'payment_time_counts' | 'payment_time_count_deltas') => {
      let q = db
        .selectFrom(table)
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('n'), eb.lit(0)).as('n'))
        .where('store_id', '=', 0)
        .where('status', '=', '')
        .where('family', '=', '')
        .where('hour', '>=', 0)
        .where('hour', '<=', 0);
      if (!filter.includeSandbox) q = q.where('sandbox', '=', 0);
      return q;
    };
    return part('payment_time_counts').unionAll(part('payment_time_count_deltas'));
  };
  const part = [filter.storeId, filter.status, family, fromHour, toHour, ...(filter.includeSandbox ? [] : [0])];
  const rows = await read(`hourSum:${filter.includeSandbox}`, build, [...part, ...part]);
  return rows.reduce((sum, row) => sum + Number(row.n), 0);
}

/** The exact number of the filter's payments whose `column` lies in [fromMs, toMs) (an indexed count; used for an hour or less). */
async function countBetween(db: Kysely<Database>, read: CompiledRead, filter: ListFilter, column: TimeColumn, fromMs: number, toMs: number): Promise<number> {
  const build = () => {
    let q = db
      .selectFrom('payments')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('store_id', '=', 0)
      .where(column, '>=', 0)
      .where(column, '<', 0);
    if (filter.status !== 'all') q = q.where('status', '=', '');
    if (!filter.includeSandbox) q = q.where('sandbox', '=', 0);
    return q;
  };
  const parameters = [filter.storeId, fromMs, toMs, ...(filter.status === 'all' ? [] : [filter.status]), ...(filter.includeSandbox ? [] : [0])];
  const [row] = await read(`countBetween:${column}:${filter.status === 'all'}:${filter.includeSandbox}`, build, parameters);
  return Number(row!.n);
}

/**
 * Exact per-hour counts of the filter's payments by `column` within [fromMs, toMs): whole hours
 * from the counts, the partial hours at the edges counted exactly.
 */
async function hoursWithin(
  db: Kysely<Database>,
  read: CompiledRead,
  filter: ListFilter,
  family: 'b' | 's',
  column: TimeColumn,
  fromMs: number,
  toMs: number,
): Promise<Array<{ hour: number; n: number }>> {
  if (toMs <= fromMs) return [];
  const firstHour = Math.floor(fromMs / HOUR_MS);
  const lastHour = Math.floor((toMs - 1) / HOUR_MS);
  const counts = await hourCounts(db, read, filter, family, firstHour, lastHour);
  const partial = async (hour: number) => countBetween(db, read, filter, column, Math.max(fromMs, hour * HOUR_MS), Math.min(toMs, (hour + 1) * HOUR_MS));
  const hours: Array<{ hour: number; n: number }> = [];
  for (const [hour, n] of counts) if (n !== 0 && hour > firstHour && hour < lastHour) hours.push({ hour, n });
  const edges = firstHour === lastHour ? [firstHour] : [firstHour, lastHour];
  const edgeCounts = await Promise.all(edges.map(partial));
  edges.forEach((hour, i) => {
    if (edgeCounts[i]! > 0) hours.push({ hour, n: edgeCounts[i]! });
  });
  return hours.sort((a, b) => a.hour - b.hour);
}

/**
 * Walks hours in the list's order to the one holding row `offset`, and on to the one holding row
 * `offset + limit - 1` (`last`, null when the list ends before it).
 */
function locate(
  hours: Array<{ hour: number; n: number }>,
  direction: 'asc' | 'desc',
  offset: number,
  limit: number,
): { hour: number; skip: number; last: number | null } | null {
  const ordered = direction === 'asc' ? hours : [...hours].reverse();
  let skip = offset;
  let i = 0;
  for (; i < ordered.length; i++) {
    if (skip < ordered[i]!.n) break;
    skip -= ordered[i]!.n;
  }
  if (i === ordered.length) return null;
  let rest = skip + Math.max(limit, 1) - 1;
  for (let j = i; j < ordered.length; j++) {
    if (rest < ordered[j]!.n) return { hour: ordered[i]!.hour, skip, last: ordered[j]!.hour };
    rest -= ordered[j]!.n;
  }
  return { hour: ordered[i]!.hour, skip, last: null };
}

/**
 * The exact number of the filter's payments in its window: the hours wholly inside it from the
 * counts (summed by the database), the partial hours at its edges counted exactly.
 */
async function windowTotal(db: Kysely<Database>, read: CompiledRead, filter: ListFilter, family: 'b' | 's'): Promise<number> {
  if (filter.toMs <= filter.fromMs) return 0;
  const firstHour = Math.floor(filter.fromMs / HOUR_MS);
  const lastHour = Math.floor((filter.toMs - 1) / HOUR_MS);
  const edges = firstHour === lastHour ? [firstHour] : [firstHour, lastHour];
  const [inner, ...edgeCounts] = await Promise.all([
    hourSum(db, read, filter, family, firstHour + 1, lastHour - 1),
    ...edges.map((hour) => countBetween(db, read, filter, filter.basis, Math.max(filter.fromMs, hour * HOUR_MS), Math.min(filter.toMs, (hour + 1) * HOUR_MS))),
  ]);
  return edgeCounts.reduce((sum, n) => sum + n, inner);
}

/** The range a page is read from, given the hour it starts in (and ends in), within [lowMs, highMs). */
function pageRange(
  column: TimeColumn,
  direction: 'asc' | 'desc',
  at: { hour: number; skip: number; last: number | null },
  lowMs: number | null,
  highMs: number | null,
): Exclude<HourPlan['start'], string> {
  return direction === 'desc'
    ? {
        column,
        lowMs,
        highMs: Math.min(highMs ?? Number.MAX_SAFE_INTEGER, (at.hour + 1) * HOUR_MS),
        skip: at.skip,
        farMs: at.last === null ? null : Math.max(lowMs ?? 0, at.last * HOUR_MS),
      }
    : {
        column,
        lowMs: Math.max(lowMs ?? 0, at.hour * HOUR_MS),
        highMs,
        skip: at.skip,
        farMs: at.last === null ? null : Math.min(highMs ?? Number.MAX_SAFE_INTEGER, (at.last + 1) * HOUR_MS),
      };
}

/** The total and where the page starts, from the hour counts. */
export async function planByHours(
  db: Kysely<Database>,
  read: CompiledRead,
  filter: ListFilter,
  order: { column: TimeColumn; direction: 'asc' | 'desc' },
  offset: number,
  limit: number,
): Promise<HourPlan> {
  const windowFamily = filter.basis === 'started_at' ? 's' : 'b';
  if (order.column === filter.basis) {
    // Ordered by the window's own time: walk the window's hours.
    const inWindow = await hoursWithin(db, read, filter, windowFamily, filter.basis, filter.fromMs, filter.toMs);
    const total = inWindow.reduce((sum, h) => sum + h.n, 0);
    const at = locate(inWindow, order.direction, offset, limit);
    return { total, start: at ? pageRange(order.column, order.direction, at, filter.fromMs, filter.toMs) : 'past-end' };
  }
  const total = await windowTotal(db, read, filter, windowFamily);
  if (order.column !== 'started_at') return { total, start: 'by-offset' };
  // Started order of a status with a time of its own: pageable by started-time hours only if the
  // window holds every payment of the status, which the sum of all its hours tells.
  const ever = await hourSum(db, read, filter, 'b', 0, Number.MAX_SAFE_INTEGER);
  if (ever !== total) return { total, start: 'by-offset' };
  const started = [...(await hourCounts(db, read, filter, 's', 0, Number.MAX_SAFE_INTEGER))].filter(([, n]) => n !== 0).map(([hour, n]) => ({ hour, n }));
  started.sort((a, b) => a.hour - b.hour);
  const at = locate(started, order.direction, offset, limit);
  return { total, start: at ? pageRange('started_at', order.direction, at, null, null) : 'past-end' };
}

/**
 * Moves up to `limit` deltas into the counts (the oldest first), in one transaction; returns how
 * many moved. Several instances may fold at once: on PostgreSQL each takes rows the others have
 * not locked; SQLite has one writer.
 */
export async function foldDeltas(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', limit: number): Promise<number> {
  if (dialect === 'postgres') {
    const moved = await sql<{ moved: number | string }>`
      with taken as (
        delete from payment_time_count_deltas where id in (select id from payment_time_count_deltas order by id limit ${limit} for update skip locked)
        returning store_id, status, family, hour, sandbox, n
      ), summed as (
        select store_id, status, family, hour, sandbox, sum(n) as n, count(*) as rows from taken group by store_id, status, family, hour, sandbox
      ), written as (
        insert into payment_time_counts (store_id, status, family, hour, sandbox, n)
        select store_id, status, family, hour, sandbox, n from summed order by store_id, status, family, hour, sandbox
        on conflict (store_id, status, family, hour, sandbox) do update set n = payment_time_counts.n + excluded.n
      )
      select coalesce(sum(rows), 0) as moved from summed`.execute(db);
    return Number(moved.rows[0]?.moved ?? 0);
  }
  return db.transaction().execute(async (trx) => {
    const last = await trx.selectFrom('payment_time_count_deltas').select('id').orderBy('id').offset(limit - 1).limit(1).executeTakeFirst();
    const upTo = last ? Number(last.id) : Number.MAX_SAFE_INTEGER;
    await sql`
      insert into payment_time_counts (store_id, status, family, hour, sandbox, n)
      select store_id, status, family, hour, sandbox, sum(n) from payment_time_count_deltas where id <= ${upTo}
      group by store_id, status, family, hour, sandbox
      on conflict (store_id, status, family, hour, sandbox) do update set n = payment_time_counts.n + excluded.n`.execute(trx);
    const removed = await trx.deleteFrom('payment_time_count_deltas').where('id', '<=', upTo).executeTakeFirst();
    return Number(removed.numDeletedRows);
  });
}
