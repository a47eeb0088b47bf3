import type { Kysely, Selectable } from 'kysely';
import { ACTIVE_RECEIPT_STATES, type Receipt, type ReceiptIdentifierType, type ReceiptKind, type ReceiptPurpose, type ReceiptState } from '../domain/receipts';
import { isUniqueViolation } from './dialect';
import { toDate, toDateOrNull, toMs, toMsOrNull } from './rows';
import type { Database, ReceiptsTable } from './schema';
import type { NewReceipt, ReceiptChange, ReceiptRepository } from './types';

function receiptFromRow(row: Selectable<ReceiptsTable>): Receipt {
  return {
    id: Number(row.id),
    storeId: Number(row.store_id),
    channelId: Number(row.channel_id),
    kind: row.kind as ReceiptKind,
    paymentId: row.payment_id === null ? null : Number(row.payment_id),
    impUid: row.imp_uid,
    merchantUid: row.merchant_uid,
    pgOrderId: row.pg_order_id,
    state: row.state as ReceiptState,
    purpose: row.purpose as ReceiptPurpose,
    identifierType: row.identifier_type as ReceiptIdentifierType,
    identifierSealed: row.identifier_sealed,
    identifierMasked: row.identifier_masked,
    payMethod: row.pay_method,
    name: row.name,
    amount: Number(row.amount),
    vat: Number(row.vat),
    taxFree: Number(row.tax_free),
    buyerName: row.buyer_name,
    buyerEmail: row.buyer_email,
    buyerTel: row.buyer_tel,
    receiptTid: row.receipt_tid,
    applyNum: row.apply_num,
    receiptUrl: row.receipt_url,
    appliedAt: toDateOrNull(row.applied_at),
    cancelledAt: toDateOrNull(row.cancelled_at),
    failCode: row.fail_code,
    failReason: row.fail_reason,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** The key that makes one active receipt per order: a payment's imp_uid, an external sale's merchant_uid. */
function activeKey(receipt: Pick<Receipt, 'kind' | 'impUid' | 'merchantUid'>): string {
  return receipt.kind === 'payment' ? `imp:${receipt.impUid ?? ''}` : `ext:${receipt.merchantUid}`;
}

const isActive = (state: ReceiptState) => (ACTIVE_RECEIPT_STATES as readonly ReceiptState[]).includes(state);

export class KyselyReceiptRepository implements ReceiptRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertIntent(receipt: NewReceipt): Promise<Receipt | null> {
    const row = await this.db
      .insertInto('receipts')
      .values({
        store_id: receipt.storeId,
        channel_id: receipt.channelId,
        kind: receipt.kind,
        payment_id: receipt.paymentId,
        imp_uid: receipt.impUid,
        merchant_uid: receipt.merchantUid,
        pg_order_id: receipt.pgOrderId,
        active_key: activeKey(receipt),
        state: 'issuing',
        purpose: receipt.purpose,
        identifier_type: receipt.identifierType,
        identifier_sealed: receipt.identifierSealed,
        identifier_masked: receipt.identifierMasked,
        pay_method: receipt.payMethod,
        name: receipt.name,
        amount: receipt.amount,
        vat: receipt.vat,
        tax_free: receipt.taxFree,
        buyer_name: receipt.buyerName,
        buyer_email: receipt.buyerEmail,
        buyer_tel: receipt.buyerTel,
        created_at: toMs(receipt.createdAt),
        updated_at: toMs(receipt.createdAt),
      })
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) return undefined;
        throw error;
      });
    return row ? receiptFromRow(row) : null;
  }

  private byKey(storeId: number, key: { impUid: string } | { merchantUid: string }) {
    const query = this.db.selectFrom('receipts').selectAll().where('store_id', '=', storeId);
    return 'impUid' in key ? query.where('kind', '=', 'payment').where('imp_uid', '=', key.impUid) : query.where('kind', '=', 'external').where('merchant_uid', '=', key.merchantUid);
  }

  async findActive(storeId: number, key: { impUid: string } | { merchantUid: string }): Promise<Receipt | null> {
    const row = await this.byKey(storeId, key).where('state', 'in', [...ACTIVE_RECEIPT_STATES]).orderBy('id', 'desc').executeTakeFirst();
    return row ? receiptFromRow(row) : null;
  }

  async listPaymentIdsWithIssued(storeId: number, paymentIds: readonly number[]): Promise<number[]> {
    if (paymentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('receipts')
      .select('payment_id')
      .where('store_id', '=', storeId)
      .where('payment_id', 'in', [...paymentIds])
      .where('state', 'in', ['issued', 'cancelling'])
      .execute();
    return [...new Set(rows.map((r) => Number(r.payment_id)))];
  }

  async findLatestIssued(storeId: number, key: { impUid: string } | { merchantUid: string }): Promise<Receipt | null> {
    const row = await this.byKey(storeId, key).where('state', 'in', ['issued', 'cancelling', 'cancelled']).orderBy('id', 'desc').executeTakeFirst();
    return row ? receiptFromRow(row) : null;
  }

  async transition(storeId: number, id: number, from: ReceiptState, to: ReceiptState, change: ReceiptChange, now: Date): Promise<Receipt | null> {
    const current = await this.db.selectFrom('receipts').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
    if (!current) return null;
    const set: Partial<Record<keyof ReceiptsTable, unknown>> = { state: to, updated_at: toMs(now) };
    if (!isActive(to)) set.active_key = null;
    if (change.receiptTid !== undefined) set.receipt_tid = change.receiptTid;
    if (change.applyNum !== undefined) set.apply_num = change.applyNum;
    if (change.receiptUrl !== undefined) set.receipt_url = change.receiptUrl;
    if (change.appliedAt !== undefined) set.applied_at = toMsOrNull(change.appliedAt);
    if (change.cancelledAt !== undefined) set.cancelled_at = toMsOrNull(change.cancelledAt);
    if (change.failCode !== undefined) set.fail_code = change.failCode;
    if (change.failReason !== undefined) set.fail_reason = change.failReason;
    const row = await this.db
      .updateTable('receipts')
      .set(set as never)
      .where('store_id', '=', storeId)
      .where('id', '=', id)
      .where('state', '=', from)
      .returningAll()
      .executeTakeFirst();
    return row ? receiptFromRow(row) : null;
  }
}
