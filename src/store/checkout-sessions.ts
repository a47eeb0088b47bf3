import type { Kysely, Selectable } from 'kysely';
import { runCompiled } from './compiled';
import type { StoreDialect } from './dialect';
import type { CheckoutSessionsTable, Database } from './schema';
import type { CheckoutSessionRecord, CheckoutSessionRepository } from './types';
import { parseJsonObject, toDate, toDateOrNull, toMs } from './rows';

export function checkoutSessionFromRow(row: Selectable<CheckoutSessionsTable>): CheckoutSessionRecord {
  return {
    id: row.id,
    storeId: Number(row.store_id),
    paymentId: Number(row.payment_id),
    mode: row.mode as CheckoutSessionRecord['mode'],
    merchantOrigin: row.merchant_origin,
    mRedirectUrl: row.m_redirect_url,
    state: row.state as CheckoutSessionRecord['state'],
    result: row.result === null ? null : parseJsonObject(row.result),
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    completedAt: toDateOrNull(row.completed_at),
  };
}

export class KyselyCheckoutSessionRepository implements CheckoutSessionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async insert(session: Omit<CheckoutSessionRecord, 'state' | 'result' | 'completedAt'>): Promise<CheckoutSessionRecord> {
    const values = {
        id: session.id,
        store_id: session.storeId,
        payment_id: session.paymentId,
        mode: session.mode,
        merchant_origin: session.merchantOrigin,
        m_redirect_url: session.mRedirectUrl,
        state: 'open',
        result: null,
        created_at: toMs(session.createdAt),
        expires_at: toMs(session.expiresAt),
        completed_at: null,
    };
    const { rows } = await runCompiled(this.db, this.dialect, 'checkout_sessions.insert', () => this.db.insertInto('checkout_sessions').values(values).returningAll(), Object.values(values));
    return checkoutSessionFromRow(rows[0]!);
  }

  async findById(id: string): Promise<CheckoutSessionRecord | null> {
    const {
      rows: [row],
    } = await runCompiled(this.db, this.dialect, 'checkout_sessions.findById', () => this.db.selectFrom('checkout_sessions').selectAll().where('id', '=', id), [id]);
    return row ? checkoutSessionFromRow(row) : null;
  }

  async complete(id: string, result: Record<string, unknown>, now: Date): Promise<boolean> {
    const update = await this.db
      .updateTable('checkout_sessions')
      .set({ state: 'completed', result: JSON.stringify(result), completed_at: toMs(now) })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return Number(update.numUpdatedRows) === 1;
  }
}
