import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { Product } from './catalogue';

/**
 * - `pending`: created, not paid yet.
 * - `confirming`: the payment is `ready` because the PG's answer was lost (PG_TIMEOUT/PG_FAULT):
 *   the card may or may not have been charged, so the shop may say neither 완료 nor 실패.
 * - `awaiting_deposit`: a virtual account was issued for the order's amount (payment `ready`);
 *   the buyer still has to send the money (입금 대기).
 * - `paid`, `failed`, `amount_mismatch`: verified outcomes.
 */
export type OrderStatus = 'pending' | 'confirming' | 'awaiting_deposit' | 'paid' | 'failed' | 'amount_mismatch';

/** What the shop learned from the gateway about the payment of an order. */
export interface PaymentSummary {
  impUid: string;
  status: string;
  amount: number;
  /** V1 `pay_method`; absent in orders verified before the shop offered bank transfers. */
  payMethod?: string;
  /** The bank of a bank transfer (V1 `bank_name`). */
  bankName?: string | null;
  /** The issued virtual account (V1 `vbank_*`); absent for other methods. */
  vbank?: { bankName: string | null; num: string; holder: string | null; date: number } | null;
  cardName: string | null;
  cardNumber: string | null;
  applyNum: string | null;
  paidAt: number;
}

export interface Order {
  merchantUid: string;
  productId: string;
  name: string;
  /** From the catalogue when the order was created; what the buyer must pay. */
  amount: number;
  status: OrderStatus;
  createdAt: Date;
  /** Last payment checked against this order (set by verification). */
  payment: PaymentSummary | null;
  /** Why the order is not paid (decline reason, cancel message, mismatch details). */
  failReason: string | null;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A fresh merchant_uid: `order` + epoch milliseconds + 8 random letters/digits (26 characters,
 * letters and digits only, so it satisfies every PG's merchant_uid rule, Smartro's included).
 */
export function newMerchantUid(now: number = Date.now()): string {
  const bytes = randomBytes(8);
  let suffix = '';
  for (const byte of bytes) suffix += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return `order${now}${suffix}`;
}

interface OrderRow {
  merchant_uid: string;
  product_id: string;
  name: string;
  amount: number;
  status: OrderStatus;
  created_at: number;
  payment: string | null;
  fail_reason: string | null;
}

/**
 * The shop's orders, in its own SQLite file: the shop is a merchant, and a merchant's orders live
 * in the merchant's database, not in the gateway's. Without a file (unit tests) the same code runs
 * on an in-memory database.
 */
export class OrderBook {
  private readonly db: Database.Database;
  private readonly statements: {
    insert: Database.Statement<[OrderRow]>;
    select: Database.Statement<[string], OrderRow>;
    update: Database.Statement<[{ merchant_uid: string; status: OrderStatus; payment: string | null; fail_reason: string | null }]>;
    count: Database.Statement<[], { n: number }>;
  };

  /** @param file SQLite file (created with its table when missing); `:memory:` when absent. */
  constructor(file?: string) {
    this.db = new Database(file ?? ':memory:');
    if (file) {
      // As gyeol's own store: an acknowledged order write survives a crash or power loss.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS orders (
      merchant_uid TEXT PRIMARY KEY,
      product_id   TEXT NOT NULL,
      name         TEXT NOT NULL,
      amount       INTEGER NOT NULL,
      status       TEXT NOT NULL,
      created_at   INTEGER NOT NULL,
      payment      TEXT,
      fail_reason  TEXT
    )`);
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO orders (merchant_uid, product_id, name, amount, status, created_at, payment, fail_reason)
         VALUES (@merchant_uid, @product_id, @name, @amount, @status, @created_at, @payment, @fail_reason)`,
      ),
      select: this.db.prepare('SELECT * FROM orders WHERE merchant_uid = ?'),
      // A paid order stays paid even when two verifications race (webhook and browser): the one
      // that read the order before it was paid cannot write an older outcome over it.
      update: this.db.prepare(
        `UPDATE orders SET status = @status, payment = @payment, fail_reason = @fail_reason
         WHERE merchant_uid = @merchant_uid AND status <> 'paid'`,
      ),
      count: this.db.prepare('SELECT count(*) AS n FROM orders'),
    };
  }

  create(product: Product): Order {
    const order: Order = {
      merchantUid: newMerchantUid(),
      productId: product.id,
      name: product.name,
      amount: product.price,
      status: 'pending',
      createdAt: new Date(),
      payment: null,
      failReason: null,
    };
    for (;;) {
      try {
        this.statements.insert.run(toRow(order));
        return order;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw err;
        order.merchantUid = newMerchantUid();
      }
    }
  }

  get(merchantUid: string): Order | undefined {
    const row = this.statements.select.get(merchantUid);
    return row ? fromRow(row) : undefined;
  }

  /**
   * Writes what verification decided and returns the order as stored: unchanged if it was
   * already paid (by a concurrent verification).
   */
  save(order: Order): Order {
    const row = toRow(order);
    this.statements.update.run({ merchant_uid: row.merchant_uid, status: row.status, payment: row.payment, fail_reason: row.fail_reason });
    return this.get(order.merchantUid) ?? order;
  }

  get size(): number {
    return this.statements.count.get()!.n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toRow(order: Order): OrderRow {
  return {
    merchant_uid: order.merchantUid,
    product_id: order.productId,
    name: order.name,
    amount: order.amount,
    status: order.status,
    created_at: order.createdAt.getTime(),
    payment: order.payment ? JSON.stringify(order.payment) : null,
    fail_reason: order.failReason,
  };
}

function fromRow(row: OrderRow): Order {
  return {
    merchantUid: row.merchant_uid,
    productId: row.product_id,
    name: row.name,
    amount: row.amount,
    status: row.status,
    createdAt: new Date(row.created_at),
    payment: row.payment ? (JSON.parse(row.payment) as PaymentSummary) : null,
    failReason: row.fail_reason,
  };
}
