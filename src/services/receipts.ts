/**
 * Cash receipts (현금영수증) through the API: `/receipts/{imp_uid}` for a gyeol payment and
 * `/receipts/external/{merchant_uid}` for a cash sale made elsewhere.
 *
 * Issue and cancel follow DESIGN §5: the intent is recorded (`issuing`, or `cancelling`) before
 * the PG is called, the PG is called outside any transaction, and only the PG's verified answer
 * settles the row. An unknown outcome (timeout, unreadable or unverifiable answer) leaves the
 * row as it is; the next request for the same order re-sends the recorded request (the PG answers
 * the receipt it already issued, or issues it now) and settles it. A receipt is never marked
 * issued without the PG's answer.
 *
 * Receipts issued here are not cancelled when their payment is cancelled (as in V1): the
 * merchant calls DELETE.
 */
import { ConnectorFault, type PgConnector, type ReceiptIssueInput } from '../connectors/contract';
import { executeFlow } from '../connectors/executor';
import { AppError, invalidParameter, type FieldViolation } from '../domain/errors';
import type { Payment } from '../domain/payment';
import {
  defaultVat,
  maskIdentifier,
  readReceiptIdentifier,
  RECEIPT_PAY_METHODS,
  type Receipt,
  type ReceiptIdentifierType,
  type ReceiptPurpose,
} from '../domain/receipts';
import type { NewReceipt } from '../store/types';
import type { ChannelService, ResolvedChannel } from './channels';
import type { ServiceDeps } from './deps';

/** What both issue requests carry (V1 field names in refusals). */
export interface ReceiptRequest {
  identifier: string;
  identifierType?: ReceiptIdentifierType;
  /** V1 `type`; `person` when absent. */
  purpose?: ReceiptPurpose;
  buyerName?: string | null;
  buyerEmail?: string | null;
  buyerTel?: string | null;
  taxFree?: number | null;
  vatAmount?: number | null;
}

export interface ExternalReceiptRequest extends ReceiptRequest {
  channelKey?: string | null;
  pg?: string | null;
  name: string;
  amount: number;
  /** `trans` when absent. */
  payMethod?: 'trans' | 'vbank';
}

type OrderKey = { impUid: string } | { merchantUid: string };

/** The PG's answer to the recorded request, once it is known. */
type Settled = { state: 'issued'; receipt: Receipt } | { state: 'declined'; code: string; message: string };

const nonEmpty = (value: string | null | undefined): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

export class ReceiptService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly channels: ChannelService,
  ) {}

  /**
   * `POST /receipts/{imp_uid}`: a receipt of the payment's remaining balance (amount − cancelled).
   * buyer_name/buyer_tel/buyer_email fall back to the payment's own buyer fields.
   */
  async issueForPayment(storeId: number, impUid: string, request: ReceiptRequest): Promise<Receipt> {
    const payment = await this.deps.store.payments.findByImpUid(storeId, impUid);
    if (!payment) throw new AppError('PAYMENT_NOT_FOUND');
    if (payment.status !== 'paid') throw new AppError('RECEIPT_PAYMENT_NOT_PAID');
    if (!(RECEIPT_PAY_METHODS as readonly string[]).includes(payment.payMethod)) throw new AppError('RECEIPT_PAY_METHOD');
    const resolved = await this.channels.openById(storeId, payment.channelId);
    const amount = payment.amount - payment.cancelAmount;
    const intent = this.intent(resolved, request, {
      kind: 'payment',
      payment,
      merchantUid: payment.merchantUid,
      name: payment.name ?? payment.merchantUid,
      amount,
      payMethod: payment.payMethod,
      taxFreeDefault: Math.min(payment.taxFree ?? 0, amount),
      buyer: { name: payment.buyerName, email: payment.buyerEmail, tel: payment.buyerTel },
    });
    return this.issue(resolved, { impUid }, intent);
  }

  /** `POST /receipts/external/{merchant_uid}`: a receipt of a cash sale gyeol did not take. */
  async issueExternal(storeId: number, merchantUid: string, request: ExternalReceiptRequest): Promise<Receipt> {
    const merchant = await this.deps.store.stores.findById(storeId);
    if (!merchant) throw new AppError('STORE_NOT_FOUND');
    const channel = await this.channels.resolve(merchant, { channelKey: request.channelKey ?? undefined, pg: request.pg ?? undefined }).catch((err: unknown) => {
      // The checkout's field is `channelKey`; this API's is `channel_key`.
      if (err instanceof AppError && err.field === 'channelKey') throw new AppError(err.code, { field: 'channel_key', message: err.message.replace(/channelKey/g, 'channel_key'), cause: err });
      throw err;
    });
    const resolved = this.channels.open(channel);
    const intent = this.intent(resolved, request, {
      kind: 'external',
      payment: null,
      merchantUid,
      name: request.name,
      amount: request.amount,
      payMethod: request.payMethod ?? 'trans',
      taxFreeDefault: 0,
      buyer: { name: null, email: null, tel: null },
    });
    return this.issue(resolved, { merchantUid }, intent);
  }

  /** `GET /receipts/{imp_uid}`: the payment's latest issued receipt (cancelled ones too); 404 when none. */
  async getForPayment(storeId: number, impUid: string): Promise<Receipt> {
    return this.latest(storeId, { impUid });
  }

  async getExternal(storeId: number, merchantUid: string): Promise<Receipt> {
    return this.latest(storeId, { merchantUid });
  }

  /** `DELETE /receipts/{imp_uid}`: cancels the receipt through the PG and answers it cancelled. */
  async cancelForPayment(storeId: number, impUid: string): Promise<Receipt> {
    return this.cancel(storeId, { impUid });
  }

  async cancelExternal(storeId: number, merchantUid: string): Promise<Receipt> {
    return this.cancel(storeId, { merchantUid });
  }

  // ---- issue ----

  /** Checks the request and builds the intent row; writes nothing. */
  private intent(
    resolved: ResolvedChannel,
    request: ReceiptRequest,
    sale: {
      kind: 'payment' | 'external';
      payment: Payment | null;
      merchantUid: string;
      name: string;
      amount: number;
      payMethod: string;
      taxFreeDefault: number;
      buyer: { name: string | null; email: string | null; tel: string | null };
    },
  ): NewReceipt {
    const connector = resolved.connector;
    if (!connector.flows.issueReceipt || !connector.flows.cancelReceipt) throw new AppError('RECEIPT_NOT_SUPPORTED');
    const purpose = request.purpose ?? 'person';
    const violations: FieldViolation[] = [];
    const identifier = readReceiptIdentifier(request.identifier, request.identifierType, purpose);
    if (!identifier.ok) violations.push(...identifier.violations);
    if (sale.amount <= 0) violations.push({ field: sale.kind === 'payment' ? 'imp_uid' : 'amount', rule: '발급할 금액이 없습니다 (남은 결제금액이 0원입니다)' });
    const taxFree = request.taxFree ?? sale.taxFreeDefault;
    const taxFreeOk = taxFree >= 0 && taxFree <= sale.amount;
    if (!taxFreeOk) violations.push({ field: 'tax_free', rule: `0 이상 발급금액(${sale.amount}) 이하여야 합니다` });
    const vat = request.vatAmount ?? defaultVat(sale.amount, taxFreeOk ? taxFree : 0);
    if (taxFreeOk && (vat < 0 || vat + taxFree > sale.amount)) violations.push({ field: 'vat_amount', rule: '0 이상이고 면세금액과 합해 발급금액을 넘을 수 없습니다' });
    const buyerName = nonEmpty(request.buyerName) ?? nonEmpty(sale.buyer.name);
    const buyerTel = nonEmpty(request.buyerTel) ?? nonEmpty(sale.buyer.tel);
    if (buyerTel !== null && !/^[\d\s-]{9,20}$/.test(buyerTel)) violations.push({ field: 'buyer_tel', rule: '숫자와 하이픈만, 9~13자리 전화번호여야 합니다' });
    violations.push(...(connector.validateReceipt?.({ kind: sale.kind, merchantUid: sale.merchantUid, buyerName, buyerTel }) ?? []));
    if (violations.length > 0 || !identifier.ok) throw invalidParameter(violations);
    return {
      storeId: resolved.channel.storeId,
      channelId: resolved.channel.id,
      kind: sale.kind,
      paymentId: sale.payment?.id ?? null,
      impUid: sale.payment?.impUid ?? null,
      merchantUid: sale.merchantUid,
      pgOrderId: connector.pgOrderId?.(sale.merchantUid) ?? sale.merchantUid,
      purpose,
      identifierType: identifier.type,
      identifierSealed: this.deps.secretBox.seal(identifier.digits),
      identifierMasked: maskIdentifier(identifier.digits),
      payMethod: sale.payMethod,
      name: sale.name,
      amount: sale.amount,
      vat,
      taxFree,
      buyerName: buyerName as string,
      buyerEmail: nonEmpty(request.buyerEmail) ?? nonEmpty(sale.buyer.email),
      buyerTel: buyerTel as string,
      createdAt: this.deps.clock.now(),
    };
  }

  private async issue(resolved: ResolvedChannel, key: OrderKey, intent: NewReceipt): Promise<Receipt> {
    const { receipts } = this.deps.store;
    const active = await receipts.findActive(intent.storeId, key);
    if (active && active.state !== 'issuing') throw new AppError('RECEIPT_ALREADY_ISSUED');
    if (active) {
      // An earlier request's outcome is unknown: ask again with what it sent before anything new.
      const earlier = await this.settleIssue(resolved, active);
      if (earlier.state === 'issued') return earlier.receipt;
    }
    const recorded = await receipts.insertIntent(intent);
    if (!recorded) throw new AppError('RECEIPT_ALREADY_ISSUED', { message: '이미 발급되었거나 발급 중인 현금영수증이 있습니다. 잠시 후 GET으로 확인해 주세요.' });
    const settled = await this.settleIssue(resolved, recorded);
    if (settled.state === 'declined') throw new AppError('RECEIPT_DECLINED', { message: `현금영수증 발급에 실패했습니다. [${settled.code}] ${settled.message}` });
    return settled.receipt;
  }

  /**
   * Sends a recorded (`issuing`) receipt to the PG and settles it on a verified answer.
   * @throws AppError RECEIPT_OUTCOME_UNKNOWN when the outcome stays unknown (the row stays `issuing`)
   */
  private async settleIssue(resolved: ResolvedChannel, receipt: Receipt): Promise<Settled> {
    const flow = (resolved.connector as PgConnector).flows.issueReceipt;
    if (!flow) throw new AppError('RECEIPT_NOT_SUPPORTED');
    const input: ReceiptIssueInput = {
      orderId: receipt.pgOrderId,
      pgTid: receipt.paymentId === null ? null : ((await this.deps.store.payments.findByImpUid(receipt.storeId, receipt.impUid ?? ''))?.pgTid ?? null),
      payMethod: receipt.payMethod,
      goodsName: receipt.name,
      amount: receipt.amount,
      vat: receipt.vat,
      taxFree: receipt.taxFree,
      purpose: receipt.purpose,
      identifierType: receipt.identifierType,
      identifier: this.deps.secretBox.open(receipt.identifierSealed),
      buyerName: receipt.buyerName,
      buyerTel: receipt.buyerTel,
      buyerEmail: receipt.buyerEmail,
    };
    const now = () => this.deps.clock.now();
    let result;
    try {
      result = await executeFlow(this.deps.connectorContext, flow, resolved.credentials, input);
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.warn({ receiptId: receipt.id, kind: err.kind, err: err.message, outcomeUnknown: err.outcomeUnknown }, 'cash receipt issue got no trustworthy answer');
      if (err.outcomeUnknown) throw new AppError('RECEIPT_OUTCOME_UNKNOWN', { cause: err });
      // Never reached the PG: nothing was issued.
      await this.deps.store.receipts.transition(receipt.storeId, receipt.id, 'issuing', 'declined', { failCode: 'PG_UNREACHABLE', failReason: err.message }, now());
      throw new AppError('PG_FAULT', { message: 'PG사에 연결하지 못해 현금영수증을 발급하지 못했습니다. 잠시 후 다시 시도해 주세요.', cause: err });
    }
    if (result.outcome === 'declined') {
      await this.deps.store.receipts.transition(receipt.storeId, receipt.id, 'issuing', 'declined', { failCode: result.code, failReason: result.message }, now());
      return { state: 'declined', code: result.code, message: result.message };
    }
    const issued = await this.deps.store.receipts.transition(
      receipt.storeId,
      receipt.id,
      'issuing',
      'issued',
      { receiptTid: result.receiptTid, applyNum: result.applyNum, receiptUrl: result.receiptUrl, appliedAt: result.issuedAt },
      now(),
    );
    // null: a concurrent request settled it first, from the same PG answer.
    const settled = issued ?? (await this.deps.store.receipts.findLatestIssued(receipt.storeId, keyOf(receipt)));
    if (!settled) throw new AppError('RECEIPT_OUTCOME_UNKNOWN');
    return { state: 'issued', receipt: settled };
  }

  // ---- get / cancel ----

  private async latest(storeId: number, key: OrderKey): Promise<Receipt> {
    const receipt = await this.deps.store.receipts.findLatestIssued(storeId, key);
    if (!receipt) throw new AppError('RECEIPT_NOT_FOUND');
    return receipt;
  }

  private async cancel(storeId: number, key: OrderKey): Promise<Receipt> {
    const { receipts } = this.deps.store;
    let receipt = await receipts.findActive(storeId, key);
    if (!receipt) {
      const latest = await receipts.findLatestIssued(storeId, key);
      throw new AppError(latest?.state === 'cancelled' ? 'RECEIPT_ALREADY_CANCELLED' : 'RECEIPT_NOT_FOUND');
    }
    const resolved = await this.channels.openById(storeId, receipt.channelId);
    if (receipt.state === 'issuing') {
      const settled = await this.settleIssue(resolved, receipt);
      if (settled.state === 'declined') throw new AppError('RECEIPT_NOT_FOUND');
      receipt = settled.receipt;
    }
    if (receipt.state === 'issued') {
      const claimed = await receipts.transition(storeId, receipt.id, 'issued', 'cancelling', {}, this.deps.clock.now());
      if (!claimed) throw new AppError('RECEIPT_ALREADY_CANCELLED', { message: '이 현금영수증은 이미 취소되었거나 취소 중입니다.' });
      receipt = claimed;
    }
    return this.settleCancel(resolved, receipt);
  }

  /** Sends the cancel of a `cancelling` receipt; re-sending it is safe (the PG answers "already cancelled"). */
  private async settleCancel(resolved: ResolvedChannel, receipt: Receipt): Promise<Receipt> {
    const flow = (resolved.connector as PgConnector).flows.cancelReceipt;
    if (!flow || receipt.receiptTid === null) throw new AppError('RECEIPT_NOT_SUPPORTED');
    const now = () => this.deps.clock.now();
    const back = () => this.deps.store.receipts.transition(receipt.storeId, receipt.id, 'cancelling', 'issued', {}, now());
    let result;
    try {
      result = await executeFlow(this.deps.connectorContext, flow, resolved.credentials, {
        receiptTid: receipt.receiptTid,
        orderId: receipt.pgOrderId,
        amount: receipt.amount,
        reason: '현금영수증 발급 취소',
      });
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.warn({ receiptId: receipt.id, kind: err.kind, err: err.message, outcomeUnknown: err.outcomeUnknown }, 'cash receipt cancel got no trustworthy answer');
      if (err.outcomeUnknown) throw new AppError('RECEIPT_OUTCOME_UNKNOWN', { cause: err });
      await back();
      throw new AppError('PG_FAULT', { message: 'PG사에 연결하지 못해 현금영수증 발급을 취소하지 못했습니다. 잠시 후 다시 시도해 주세요.', cause: err });
    }
    if (result.outcome === 'refused') {
      await back();
      throw new AppError('RECEIPT_CANCEL_REFUSED', { message: `현금영수증 발급 취소에 실패했습니다. [${result.code}] ${result.message}` });
    }
    const cancelled = await this.deps.store.receipts.transition(receipt.storeId, receipt.id, 'cancelling', 'cancelled', { cancelledAt: result.cancelledAt }, now());
    const settled = cancelled ?? (await this.deps.store.receipts.findLatestIssued(receipt.storeId, keyOf(receipt)));
    if (!settled) throw new AppError('RECEIPT_OUTCOME_UNKNOWN');
    return settled;
  }
}

function keyOf(receipt: Receipt): OrderKey {
  return receipt.kind === 'payment' ? { impUid: receipt.impUid ?? '' } : { merchantUid: receipt.merchantUid };
}
