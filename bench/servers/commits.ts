/**
 * The same-run ceiling of the billing-charge and checkout benchmarks (issue 10): raw
 * better-sqlite3 on a SQLite file opened as gyeol opens its own (WAL, synchronous=FULL), doing per
 * request the same transactions with the same writes as gyeol's flow, one durable commit each —
 * and nothing else (no token, no checks, no PG call, no JSON of a payment).
 *
 * The tables are gyeol's (its migrations); the store, channel and a template payment are written
 * through gyeol's own repositories first, so an inserted row has every column gyeol's insert writes.
 *
 * `POST /billing` — what `POST /subscribe/payments/again` commits (src/services/billing-charges.ts,
 * approvals.ts `chargeBillingKey`, store/payments.ts):
 *   1. insert the payment (`ready`) and claim it — update it to `requested` with the sealed charge
 *      input, the merchant_uid claim and the reconciler's deadline (in a savepoint, as gyeol does) —
 *      in one transaction;
 *   2. the approval: update it to `paid` with the card and receipt columns, and insert its
 *      `payment.paid` event, in one transaction.
 * `POST /checkout` — what the checkout commits (services/checkout.ts):
 *   1. insert the payment and its session in one transaction (`openSession`);
 *   2. the claim with the window's Tid and sealed auth; 3. the approval and its event (as above);
 *   4. the session completed with its result (`finish`).
 *
 * Env: BENCH_DATA_DIR (the file is `ceiling.sqlite` there). Prints `{url}` once it listens.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { newImpUid } from '../../src/domain/ids';
import { createStore } from '../../src/store/db';
import { newChannelInput, newPaymentInput, newStoreInput } from '../../src/store/test-fixtures';

const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? 'data/bench/ceiling');
mkdirSync(dataDir, { recursive: true });
const file = path.join(dataDir, 'ceiling.sqlite');
for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });

// gyeol's schema, store, channel and one payment as gyeol's own insert writes it.
const store = await createStore({ sqlitePath: file });
await store.migrate();
const merchant = await store.stores.insert(newStoreInput());
const channel = await store.channels.insert(newChannelInput(merchant.id, { isDefault: true }));
const template = await store.payments.insert(
  newPaymentInput(merchant.id, channel.id, { channel: 'api', customerUid: 'bench0', customerUidUsage: 'payment', noticeUrl: null, userAgent: null, startedAt: new Date() }),
);
await store.close();

const db = new BetterSqlite3(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');

const row = db.prepare('select * from payments where id = ?').get(template.id) as Record<string, unknown>;
const columns = Object.keys(row).filter((c) => c !== 'id');
const insertPayment = db.prepare(`insert into payments (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')}) returning *`);
const claim = db.prepare(
  `update payments set updated_at = @at, approval_state = 'requested', pg_tid = @pgTid, pg_auth_sealed = @sealed, approval_requested_at = @at,
     reconcile_after = @reconcileAfter, reconcile_attempts = 0, merchant_uid_claim = merchant_uid
   where id = @id and store_id = @storeId and status = 'ready' and approval_state = 'none' and approval_unverified = 0 returning *`,
);
const approve = db.prepare(
  `update payments set updated_at = @at, status = 'paid', approval_state = 'approved', pg_tid = @pgTid, approval_unverified = 0, reconcile_after = null,
     paid_at = @at, failed_at = null, fail_code = null, fail_reason = null, receipt_url = @receiptUrl, escrow = 0,
     card_code = '06', card_name = '신한카드', card_issuer_code = '06', card_issuer_name = '신한카드', card_publisher_code = null, card_publisher_name = null,
     card_number = '424242******4242', card_quota = 0, card_type = 0, apply_num = @applyNum, merchant_uid_claim = merchant_uid
   where id = @id and store_id = @storeId and status = 'ready' and approval_state = 'requested' and approval_unverified = 0 returning *`,
);
const insertEvent = db.prepare(
  `insert into payment_events (store_id, payment_id, type, imp_uid, merchant_uid, status, occurred_at, cancellation_id)
   values (@storeId, @id, 'payment.paid', @impUid, @merchantUid, 'paid', @at, null)`,
);
const insertSession = db.prepare(
  `insert into checkout_sessions (id, store_id, payment_id, mode, merchant_origin, m_redirect_url, state, result, created_at, expires_at, completed_at)
   values (@sessionId, @storeId, @id, 'mobile', 'http://127.0.0.1:4002', 'http://127.0.0.1:4002/order/complete', 'open', null, @at, @expiresAt, null) returning *`,
);
const completeSession = db.prepare(`update checkout_sessions set state = 'completed', result = @result, completed_at = @at where id = @sessionId and state = 'open'`);
const begin = db.prepare('begin immediate');
const commit = db.prepare('commit');
const savepoint = db.prepare('savepoint claim');
const release = db.prepare('release savepoint claim');

/** One transaction, committed (durably: synchronous=FULL) before the next starts. */
function inTransaction<T>(work: () => T): T {
  begin.run();
  try {
    const result = work();
    commit.run();
    return result;
  } catch (err) {
    db.exec('rollback');
    throw err;
  }
}

// The sealed charge input gyeol stores with the claim is about this long (the billing key in it).
const sealed = randomBytes(520).toString('base64url');
let n = 0;

function paymentRow(channelKind: 'api' | 'mobile'): Record<string, unknown> {
  const at = Date.now();
  n++;
  return { ...row, imp_uid: newImpUid(), merchant_uid: `ceil${n}x${at}`, merchant_uid_claim: null, pg_tid: null, channel: channelKind, started_at: at, updated_at: at };
}

function approved(payment: { id: number; imp_uid: string; merchant_uid: string }, pgTid: string): void {
  const at = Date.now();
  const keys = { id: payment.id, storeId: merchant.id, at };
  inTransaction(() => {
    approve.get({ ...keys, pgTid, receiptUrl: `http://127.0.0.1:4001/receipt/${pgTid}`, applyNum: '30012345' });
    insertEvent.run({ ...keys, impUid: payment.imp_uid, merchantUid: payment.merchant_uid });
  });
}

function billing(): void {
  const at = Date.now();
  const payment = inTransaction(() => {
    const inserted = insertPayment.get(paymentRow('api')) as { id: number; imp_uid: string; merchant_uid: string };
    savepoint.run();
    claim.get({ id: inserted.id, storeId: merchant.id, at, pgTid: null, sealed, reconcileAfter: at + 35_000 });
    release.run();
    return inserted;
  });
  approved(payment, `t${randomUUID().replace(/-/g, '').slice(0, 29)}`);
}

function checkout(): void {
  const sessionId = `cs_${randomBytes(18).toString('base64url')}`;
  const at = Date.now();
  const payment = inTransaction(() => {
    const inserted = insertPayment.get(paymentRow('mobile')) as { id: number; imp_uid: string; merchant_uid: string };
    insertSession.get({ sessionId, storeId: merchant.id, id: inserted.id, at, expiresAt: at + 30 * 60_000 });
    return inserted;
  });
  const pgTid = `t${randomUUID().replace(/-/g, '').slice(0, 29)}`;
  inTransaction(() => claim.get({ id: payment.id, storeId: merchant.id, at: Date.now(), pgTid, sealed, reconcileAfter: Date.now() + 35_000 }));
  approved(payment, pgTid);
  completeSession.run({ sessionId, result: JSON.stringify({ error_code: null, error_msg: null }), at: Date.now() });
}

const ok = Buffer.from('{"code":0,"message":null,"response":{"status":"paid"}}');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    try {
      if (req.url === '/billing') billing();
      else if (req.url === '/checkout') checkout();
      else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': ok.length }).end(ok);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.close();
    db.close();
    process.exit(0);
  });
}
