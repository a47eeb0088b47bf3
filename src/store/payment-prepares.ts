import type { Kysely, Selectable } from 'kysely';
import type { Currency } from '../domain/money';
import { isUniqueViolation } from './dialect';
import { toDate, toMs } from './rows';
import type { Database, PaymentPreparesTable } from './schema';
import type { PaymentPrepareRepository, PreparedPayment } from './types';

function preparedFromRow(row: Selectable<PaymentPreparesTable>): PreparedPayment {
  return {
    storeId: Number(row.store_id),
    merchantUid: row.merchant_uid,
    amount: Number(row.amount),
    currency: row.currency as Currency | null,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export class KyselyPaymentPrepareRepository implements PaymentPrepareRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(prepared: PreparedPayment): Promise<PreparedPayment | null> {
    // `on conflict do nothing` on both dialects: a concurrent second registration gets null, not an error.
    const row = await this.db
      .insertInto('payment_prepares')
      .values({
        store_id: prepared.storeId,
        merchant_uid: prepared.merchantUid,
        amount: prepared.amount,
        currency: prepared.currency,
        created_at: toMs(prepared.createdAt),
        updated_at: toMs(prepared.updatedAt),
      })
      .onConflict((oc) => oc.columns(['store_id', 'merchant_uid']).doNothing())
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) return undefined;
        throw error;
      });
    return row ? preparedFromRow(row) : null;
  }

  async update(storeId: number, merchantUid: string, change: { amount: number; currency: Currency | null }, now: Date): Promise<PreparedPayment | null> {
    const row = await this.db
      .updateTable('payment_prepares')
      .set({ amount: change.amount, currency: change.currency, updated_at: toMs(now) })
      .where('store_id', '=', storeId)
      .where('merchant_uid', '=', merchantUid)
      .returningAll()
      .executeTakeFirst();
    return row ? preparedFromRow(row) : null;
  }

  async find(storeId: number, merchantUid: string): Promise<PreparedPayment | null> {
    const row = await this.db
      .selectFrom('payment_prepares')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('merchant_uid', '=', merchantUid)
      .executeTakeFirst();
    return row ? preparedFromRow(row) : null;
  }
}
