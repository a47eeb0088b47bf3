import { randomBytes } from 'node:crypto';
import type { Product } from './catalogue';

export type OrderStatus = 'pending' | 'paid' | 'failed' | 'amount_mismatch';

/** What the shop learned from the gateway about the payment of an order. */
export interface PaymentSummary {
  impUid: string;
  status: string;
  amount: number;
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

/**
 * The shop's orders, in memory. A real merchant keeps orders in its database (and would look
 * them up there when verifying); a Map is enough for a demo that restarts empty.
 */
export class OrderBook {
  private readonly orders = new Map<string, Order>();

  create(product: Product): Order {
    let merchantUid = newMerchantUid();
    while (this.orders.has(merchantUid)) merchantUid = newMerchantUid();
    const order: Order = {
      merchantUid,
      productId: product.id,
      name: product.name,
      amount: product.price,
      status: 'pending',
      createdAt: new Date(),
      payment: null,
      failReason: null,
    };
    this.orders.set(merchantUid, order);
    return order;
  }

  get(merchantUid: string): Order | undefined {
    return this.orders.get(merchantUid);
  }

  get size(): number {
    return this.orders.size;
  }
}
