/**
 * gyeol as benchmark 4 (webhooks) measures it: `startSystem` (what `npm start` runs, webhook
 * worker included) with the demo store's test URL set to the benchmark's receiver
 * (`BENCH_RECEIVER_URL`, another process), in `BENCH_DATA_DIR` (SQLite) or on `DATABASE_URL`
 * (PostgreSQL, schema `BENCH_PG_SCHEMA`).
 *
 * It prepares `BENCH_PAYMENTS` card payments whose approval was requested (one recorded through
 * the store, then copied in SQL with new imp_uid / merchant_uid / Tid), and on request approves
 * them in batches, one transaction each: the payment's change and its `payment.paid` event (the
 * outbox row) together, the first of a batch through `payments.apply` and the others copied from
 * it (see commitBatch). Each event's commit time is when its transaction's commit returned.
 *
 * Control (127.0.0.1, its own port; the load is the events, not HTTP):
 *   POST /produce {count, ratePerS?, batch?}  approves the next `count` payments, `ratePerS`
 *        events a second (every 10 ms what is due by then, in one transaction), or back to back
 *        in batches of `batch` when no rate; answers `{impUids, committedAt}` once all committed
 *   POST /worker/stop, POST /worker/start     stops / starts the webhook worker (a backlog is
 *        committed while it is stopped, then the worker starts on it)
 *   GET  /state                                deliveries by state and attempts, attempts, undispatched
 *        events, and any difference between copied and applied rows
 *   POST /profile/start                        starts the CPU profile (BENCH_PROFILE_FILE)
 *   GET  /timing, POST /timing/reset           time per SQL text (BENCH_SQL_TIMING=1)
 * Prints one JSON line `{controlUrl, gatewayUrl, prepared}` on stdout once ready. With
 * `BENCH_PROFILE_FILE`, the process's CPU profile (as `node --cpu-prof` makes it; NODE_OPTIONS
 * may not carry that flag) from `POST /profile/start` to stop is written there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../../src/config';
import { decide } from '../../src/domain/payment-transitions';
import type { Payment } from '../../src/domain/payment';
import { startWebhookWorker, type WebhookWorker } from '../../src/jobs/webhooks';
import { startSystem } from '../../src/system';
import { clonePayments } from '../seed';
import { openDatabase } from '../../src/store/db';
import { applied, newPaymentInput, paymentEvents } from '../../src/store/test-fixtures';
import type { Database } from '../../src/store/schema';
import type { AcceptedDecision } from '../../src/store/types';

/** With BENCH_SQL_TIMING: time spent per SQL text (both drivers), for `GET /timing`. */
const timing = new Map<string, { n: number; ms: number }>();
if (process.env.BENCH_SQL_TIMING) await timeStatements();

const prepare = Number(process.env.BENCH_PAYMENTS ?? 1000);
const dataDir = process.env.BENCH_DATA_DIR ?? 'data/bench/webhooks';
const pgSchema = process.env.BENCH_PG_SCHEMA;
const receiverUrl = process.env.BENCH_RECEIVER_URL;
if (!receiverUrl) throw new Error('BENCH_RECEIVER_URL is required');
const config = loadConfig({ ...process.env, GYEOL_PORT: '0', GYEOL_SIM_PORT: '0', GYEOL_SHOP_PORT: '0', GYEOL_DATA_DIR: dataDir });
const system = await startSystem({ config, pgSchema });
const now = () => performance.timeOrigin + performance.now();

const storeRecord = await system.store.stores.findByApiKey(system.demo.apiKey);
if (!storeRecord) throw new Error('the demo store is missing');
const storeId = storeRecord.id;
const channel = await system.store.channels.findByChannelKey(storeId, system.demo.channelKey);
if (!channel) throw new Error('the demo channel is missing');
// The demo channel is a test channel: its payments' webhooks go to the store's test URL.
await system.services.webhooks.updateSettings(storeId, { testUrl: `${receiverUrl}/webhooks/iamport` });

const opened = await openDatabase({ databaseUrl: config.databaseUrl ?? undefined, sqlitePath: `${config.dataDir}/gyeol.sqlite`, pgSchema });
const { db, dialect } = opened;

// ---- the payments to approve ----------------------------------------------------------------
const tag = `whk${Date.now().toString(36)}`;
const startedAt = new Date();
const fresh = await system.store.payments.insert(
  newPaymentInput(storeId, channel.id, { merchantUid: `${tag}t`, noticeUrl: null, customerUid: null, customerUidUsage: null, startedAt }),
);
// Approval requested; the reconciler would ask the PG about it only in a week.
const template = await applied(system.store, fresh, {
  type: 'approval-requested',
  pgTid: `${tag}-tid`,
  pgAuthSealed: `sealed:${tag}`,
  at: startedAt,
  reconcileAfter: new Date(startedAt.getTime() + 7 * 86_400_000),
});
await clonePayments(db, dialect, template.id, prepare, { impMark: '8', merchantUidPrefix: `${tag}c`, tidPrefix: `${tag}tid`, batch: 50_000 });
const prepared = (
  await db.selectFrom('payments').select(['id', 'imp_uid', 'merchant_uid', 'pg_tid']).where('store_id', '=', storeId).where('merchant_uid', 'like', `${tag}c%`).orderBy('id').execute()
).map((r) => ({ id: Number(r.id), impUid: r.imp_uid, merchantUid: r.merchant_uid, pgTid: r.pg_tid as string }));
let cursor = 0;

/** The decision an approval of prepared payment `p` makes (its own imp_uid etc., so the event row is its own). */
function approval(p: (typeof prepared)[number]): AcceptedDecision {
  const payment: Payment = { ...template, id: p.id, impUid: p.impUid, merchantUid: p.merchantUid, pgTid: p.pgTid };
  const decision = decide(payment, paymentEvents.approved(p.pgTid, new Date()));
  if (!decision.ok) throw new Error(`approval refused: ${decision.reason}`);
  return decision;
}

/** The payments columns that differ between the copies; the others are the same in every copy, before and after approval. */
const OWN_COLUMNS = ['id', 'imp_uid', 'merchant_uid', 'merchant_uid_claim', 'pg_tid', 'receipt_url'];
const paymentColumns = Object.keys((await db.selectFrom('payments').selectAll().where('id', '=', template.id).executeTakeFirstOrThrow()) as object);
const sharedColumns = paymentColumns.filter((c) => !OWN_COLUMNS.includes(c));

/**
 * Approves a batch of prepared payments in one transaction: the first through the store's
 * `payments.apply` (the product's code: the payment's change and its `payment.paid` event, and the
 * store's "events committed" signal to the worker after the commit), the others by copying its
 * new column values and its event in SQL within the same transaction — the rows an apply of each
 * would write (their own imp_uid, merchant_uid, claim, Tid and receipt URL), at a fraction of the
 * cost, so the benchmark measures delivery rather than the commit path (benchmarks 2 and 3).
 * Each event's commit time is when the transaction's commit returned.
 */
async function commitBatch(batch: (typeof prepared)[number][], out: { impUids: string[]; committedAt: number[] }): Promise<void> {
  const [head, ...rest] = batch;
  if (!head) return;
  await system.store.transaction(async (repos) => {
    const result = await repos.payments.apply(storeId, head.id, approval(head));
    if (!result.ok) throw new Error(`apply refused: ${result.reason}`);
    if (rest.length === 0) return;
    // The transaction's own connection (bench only: the repositories hold it, the Store API has no raw SQL).
    const trx = (repos.payments as unknown as { db: Kysely<Database> }).db;
    const ids = rest.map((p) => p.id);
    // Only the columns the approval changed: rewriting the others would rewrite every index on them too.
    changedColumns ??= await columnsChangedFrom(trx, head.id);
    const shared = sql.join(changedColumns.map((c) => sql.ref(c)));
    // (`+store_id`: the copies are new, without statistics the planner would walk the store's whole index.)
    const copied = await sql`update payments set (${shared}) = (select ${shared} from payments where id = ${head.id}),
        merchant_uid_claim = merchant_uid, receipt_url = ${'https://pg.example/receipt/'} || pg_tid
      where id in (${sql.join(ids)}) and +store_id = ${storeId} and status = 'ready' and approval_state = 'requested'`.execute(trx);
    if (Number(copied.numAffectedRows) !== ids.length) throw new Error(`copied ${copied.numAffectedRows} of ${ids.length} approvals`);
    await sql`insert into payment_events (store_id, payment_id, type, imp_uid, merchant_uid, status, occurred_at, cancellation_id)
      select p.store_id, p.id, e.type, p.imp_uid, p.merchant_uid, e.status, e.occurred_at, e.cancellation_id
      from payments p, (select * from payment_events where payment_id = ${head.id} order by id desc limit 1) e
      where p.id in (${sql.join(ids)}) order by p.id`.execute(trx);
  });
  const at = now();
  for (const p of batch) {
    out.impUids.push(p.impUid);
    out.committedAt.push(at);
  }
}

const templateRow = (await db.selectFrom('payments').selectAll().where('id', '=', template.id).executeTakeFirstOrThrow()) as Record<string, unknown>;
let changedColumns: string[] | null = null;

/** The shared columns whose value payment `id` (just approved) no longer has in common with the prepared template. */
async function columnsChangedFrom(trx: Kysely<Database>, id: number): Promise<string[]> {
  const row = (await trx.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as Record<string, unknown>;
  return sharedColumns.filter((c) => JSON.stringify(row[c]) !== JSON.stringify(templateRow[c]));
}

/**
 * The copied rows are those an apply writes: every column of a copied payment equals the applied
 * one's but its own (and its batch's times), and its event is its own `payment.paid`.
 */
async function checkCopies(): Promise<string[]> {
  const problems: string[] = [];
  // A sample of the approved copies (up to 500, spread over them), the first (applied) one included.
  const approved = prepared.slice(0, cursor);
  const step = Math.max(1, Math.floor(approved.length / 500));
  const sample = approved.filter((_, i) => i % step === 0).map((p) => p.id);
  if (sample.length === 0) return [];
  const rows = await db.selectFrom('payments').selectAll().where('id', 'in', sample).where('status', '=', 'paid').orderBy('id').execute();
  if (rows.length !== sample.length) problems.push(`${sample.length - rows.length} sampled approvals are not paid`);
  const events = await db.selectFrom('payment_events').selectAll().where('payment_id', 'in', sample).where('type', '=', 'payment.paid').execute();
  const eventOf = new Map(events.map((e) => [Number(e.payment_id), e]));
  // The first copy approved is the head of the first batch: approved through payments.apply.
  const reference = rows[0] as Record<string, unknown> | undefined;
  if (!reference) return ['no approved payment'];
  for (const row of rows as Record<string, unknown>[]) {
    const own = `${row.imp_uid}`;
    for (const c of sharedColumns.filter((c) => !['updated_at', 'paid_at', 'approved_at'].includes(c))) {
      if (JSON.stringify(row[c]) !== JSON.stringify(reference[c])) problems.push(`${own}: ${c} ${JSON.stringify(row[c])} ≠ ${JSON.stringify(reference[c])}`);
    }
    if (row.merchant_uid_claim !== row.merchant_uid) problems.push(`${own}: claim`);
    if (row.receipt_url !== `https://pg.example/receipt/${row.pg_tid}`) problems.push(`${own}: receipt_url`);
    const event = eventOf.get(Number(row.id));
    if (!event || event.imp_uid !== row.imp_uid || event.merchant_uid !== row.merchant_uid || event.status !== 'paid') problems.push(`${own}: event ${JSON.stringify(event)}`);
    if (problems.length > 5) break;
  }
  return problems;
}

async function produce(count: number, ratePerS: number | null, batchSize: number): Promise<{ impUids: string[]; committedAt: number[] }> {
  if (cursor + count > prepared.length) throw new Error(`only ${prepared.length - cursor} prepared payments left, ${count} asked`);
  const take = prepared.slice(cursor, cursor + count);
  cursor += count;
  const out = { impUids: [] as string[], committedAt: [] as number[] };
  if (ratePerS === null) {
    for (let i = 0; i < take.length; i += batchSize) {
      await new Promise((resolve) => setImmediate(resolve));
      await commitBatch(take.slice(i, i + batchSize), out);
    }
    return out;
  }
  // Every 10 ms, what is due by then at `ratePerS` in one transaction: when commits fall behind,
  // the next one carries what came due meanwhile (as a group commit would), so the offered rate
  // holds as long as the commit path can carry it. Up to 4 transactions in flight (PostgreSQL runs
  // them on several connections; SQLite's one connection serializes them).
  const tickMs = 10;
  const begun = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let scheduled = 0, tick = 1; scheduled < take.length; tick++) {
    const wait = begun + tick * tickMs - performance.now();
    // Each batch from a macrotask, as requests arrive: a late producer must not run its batches as
    // one chain of microtasks (better-sqlite3 answers synchronously), which would starve the timers
    // and I/O of everything else in the process.
    await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
    while (inFlight.size >= 4) await Promise.race(inFlight);
    const due = Math.min(take.length, Math.floor(((performance.now() - begun) / 1000) * ratePerS));
    if (due <= scheduled) continue;
    const p = commitBatch(take.slice(scheduled, due), out).finally(() => inFlight.delete(p));
    inFlight.add(p);
    scheduled = due;
    // Behind by more than a tick: go on from now rather than replay the missed ticks one by one.
    tick = Math.max(tick, Math.floor((performance.now() - begun) / tickMs));
  }
  await Promise.all(inFlight);
  return out;
}

// ---- the worker ------------------------------------------------------------------------------
let worker: WebhookWorker | null = system.webhookWorker;

async function state() {
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .select(['state', 'attempts', (e) => e.fn.countAll().as('n')])
    .where('store_id', '=', storeId)
    .groupBy(['state', 'attempts'])
    .execute();
  const attempts = await db.selectFrom('webhook_attempts').select((e) => e.fn.countAll().as('n')).where('store_id', '=', storeId).executeTakeFirstOrThrow();
  const non2xx = await db
    .selectFrom('webhook_attempts')
    .select((e) => e.fn.countAll().as('n'))
    .where('store_id', '=', storeId)
    .where((eb) => eb.or([eb('status', 'is', null), eb('status', '<', 200), eb('status', '>', 299)]))
    .executeTakeFirstOrThrow();
  const undispatched = await db.selectFrom('payment_events').select((e) => e.fn.countAll().as('n')).where('dispatched_at', 'is', null).executeTakeFirstOrThrow();
  return {
    copies: await checkCopies(),
    deliveries: deliveries.map((d) => ({ state: d.state, attempts: Number(d.attempts), n: Number(d.n) })),
    attempts: Number(attempts.n),
    non2xxAttempts: Number(non2xx.n),
    undispatchedEvents: Number(undispatched.n),
  };
}

const control = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const answer = async (): Promise<unknown> => {
      if (req.method === 'POST' && req.url === '/produce') {
        const { count, ratePerS, batch } = JSON.parse(body) as { count: number; ratePerS?: number; batch?: number };
        return produce(count, ratePerS ?? null, batch ?? 1000);
      }
      if (req.method === 'POST' && req.url === '/worker/stop') {
        await worker?.stop();
        worker = null;
        return { ok: true };
      }
      if (req.method === 'POST' && req.url === '/profile/start') {
        if (profiler) {
          await profiler.post('Profiler.enable');
          await profiler.post('Profiler.start');
        }
        return { profiling: profiler !== null };
      }
      if (req.method === 'POST' && req.url === '/worker/start') {
        // As startSystem starts it.
        worker ??= startWebhookWorker({
          webhooks: system.services.webhooks,
          logger: { info() {}, warn() {}, error() {} },
          intervalMs: config.webhooks.intervalMs,
          concurrency: config.webhooks.concurrency,
          onEventsCommitted: (listener) => system.store.onEventsCommitted(listener),
        });
        return { ok: true };
      }
      if (req.method === 'GET' && req.url === '/state') return state();
      if (req.method === 'GET' && req.url === '/timing') {
        return [...timing].sort((x, y) => y[1].ms - x[1].ms).map(([sqlText, { n, ms }]) => ({ sql: sqlText, n, ms }));
      }
      if (req.method === 'POST' && req.url === '/timing/reset') {
        timing.clear();
        return {};
      }
      throw new Error(`unknown control ${req.method} ${req.url}`);
    };
    answer().then(
      (value) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value)),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.stack : String(err)),
    );
  });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const profiler = process.env.BENCH_PROFILE_FILE ? new Session() : null;
profiler?.connect();
process.stdout.write(
  `${JSON.stringify({ controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`, gatewayUrl: system.gatewayUrl, prepared: prepared.length })}\n`,
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    control.close();
    const profiled = profiler ? profiler.post('Profiler.stop').then(({ profile }) => {
          mkdirSync(path.dirname(process.env.BENCH_PROFILE_FILE!), { recursive: true });
          writeFileSync(process.env.BENCH_PROFILE_FILE!, JSON.stringify(profile));
        }) : null;
    void Promise.all([profiled, worker?.stop(), system.close(), db.destroy()]).then(() => process.exit(0));
  });
}

/** Wraps better-sqlite3's and pg's statement calls to add up their time per SQL text (diagnostics only). */
async function timeStatements(): Promise<void> {
  const add = (key: string, ms: number) => {
    const entry = timing.get(key) ?? { n: 0, ms: 0 };
    entry.n++;
    entry.ms += ms;
    timing.set(key, entry);
  };
  const BetterSqlite3 = (await import('better-sqlite3')).default;
  const statement = Object.getPrototypeOf(new BetterSqlite3(':memory:').prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'all', 'get']) {
    const original = statement[method]!;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        add(`${method} ${this.source.slice(0, 100)}`, performance.now() - started);
      }
    };
  }
  const pg = (await import('pg')).default;
  const client = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string } | undefined)?.text ?? '?');
    const result = query.apply(this, args);
    const done = () => add(`pg ${text.slice(0, 100)}`, performance.now() - started);
    if (result instanceof Promise) result.then(done, done);
    return result;
  };
}
