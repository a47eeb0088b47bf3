/**
 * Smartro's cash receipt (현금영수증) flows: issue and cancel, as pure build-request / read-answer
 * pairs. The wire format is gyeol's assumption (wire.ts, "cash receipts"); the simulator speaks it.
 */
import type { FieldViolation } from '../../domain/errors';
import {
  ConnectorFault,
  type PgAnswer,
  type PgFlow,
  type ReceiptCancelInput,
  type ReceiptCancelResult,
  type ReceiptIdentifierType,
  type ReceiptIssueInput,
  type ReceiptIssueResult,
  type ReceiptRequestFacts,
} from '../contract';
import { jsonAnswer } from '../executor';
import type { SmartroCredentials } from './credentials';
import { encryptData, encryptEnvelope, verifySignValue } from './crypto';
import { knownResultCode, readAmount } from './transformers';
import {
  cashReceiptUrl,
  ediDate,
  parseAuthDate,
  RECEIPT_ALREADY_CANCELLED,
  RECEIPT_CANCEL_PATH,
  RECEIPT_CANCELLED,
  RECEIPT_ISSUE_PATH,
  RECEIPT_ISSUED,
  SMARTRO_PAY_METHODS,
  type SmartroEnvelopeBody,
  type SmartroReceiptCancelFields,
  type SmartroReceiptIdentityType,
  type SmartroReceiptIssueFields,
} from './wire';

const IDENTITY_TYPES: Record<ReceiptIdentifierType, SmartroReceiptIdentityType> = { phone: '1', person: '2', business: '3', taxcard: '4' };

/** Smartro's Moid rule applies to an external receipt's merchant_uid; a payment's was checked when paid. */
const MOID = /^[A-Za-z0-9]{1,40}$/;

/** Smartro's rules on a receipt request (PortOne: buyer_name and buyer_tel are required for smartro_v2 receipts). */
export function validateReceiptRequest(request: ReceiptRequestFacts): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (request.kind === 'external' && !MOID.test(request.merchantUid)) {
    violations.push({ field: 'merchant_uid', rule: '스마트로는 영문·숫자만으로 된 40자 이내의 주문번호만 허용합니다 (특수문자 불가)' });
  }
  if (!request.buyerName) violations.push({ field: 'buyer_name', rule: '스마트로 현금영수증 발급에는 구매자 이름이 필요합니다' });
  if (!request.buyerTel) violations.push({ field: 'buyer_tel', rule: '스마트로 현금영수증 발급에는 구매자 전화번호가 필요합니다' });
  return violations;
}

function envelopeRequest(credentials: SmartroCredentials, path: string, fields: object): { method: 'POST'; url: string; headers: Record<string, string>; body: string } {
  const body: SmartroEnvelopeBody = { Mid: credentials.mid, EncData: encryptEnvelope(fields as Record<string, unknown>, credentials.merchantKey) };
  return {
    method: 'POST',
    url: `${credentials.apiBaseUrl}${path}`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/**
 * A receipt answer: signed (Tid + SignValue, which must verify) or Smartro's bare error body,
 * which can only be a refusal.
 */
function readSigned(credentials: SmartroCredentials, answer: PgAnswer, successCodes: readonly string[]): { signed: true; body: Record<string, unknown>; tid: string; code: string } | { signed: false; code: string; message: string } {
  const body = jsonAnswer(answer);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ConnectorFault('malformed', 'Smartro receipt answer is not a JSON object');
  const record = body as Record<string, unknown>;
  const code = text(record.ResultCode);
  if (code === null) throw new ConnectorFault('malformed', 'Smartro receipt answer has no ResultCode');
  const tid = text(record.Tid);
  const signValue = text(record.SignValue);
  if (tid === null || signValue === null) {
    if (successCodes.includes(code)) throw new ConnectorFault('malformed', `Smartro answered result ${code} without Tid and SignValue`);
    return { signed: false, code, message: text(record.ResultMsg) ?? knownResultCode(code)?.description ?? '' };
  }
  if (!verifySignValue(tid, code, credentials.merchantKey, signValue)) {
    throw new ConnectorFault('signature', `SignValue of Smartro's receipt answer for Tid ${tid} does not verify`);
  }
  return { signed: true, body: record, tid, code };
}

/** `cashReceipt.do`: issues a cash receipt; re-sending the same order answers the receipt already issued. */
export const issueReceiptFlow: PgFlow<SmartroCredentials, ReceiptIssueInput, ReceiptIssueResult> = {
  buildRequest(credentials, input, now) {
    const edi = ediDate(now);
    const amt = String(input.amount);
    const fields: SmartroReceiptIssueFields = {
      Mid: credentials.mid,
      Moid: input.orderId,
      OrgTid: input.pgTid ?? '',
      PayMethod: input.payMethod === 'vbank' ? SMARTRO_PAY_METHODS.vbank : SMARTRO_PAY_METHODS.trans,
      GoodsName: input.goodsName.slice(0, 40),
      Amt: amt,
      SupplyAmt: String(input.amount - input.vat - input.taxFree),
      VatAmt: String(input.vat),
      TaxFreeAmt: String(input.taxFree),
      ReceiptType: input.purpose === 'company' ? '2' : '1',
      ReceiptIdentityType: IDENTITY_TYPES[input.identifierType],
      ReceiptIdentity: input.identifier,
      BuyerName: input.buyerName,
      BuyerTel: input.buyerTel.replace(/\D/g, ''),
      BuyerEmail: input.buyerEmail ?? '',
      EdiDate: edi,
      EncryptData: encryptData(edi, credentials.mid, amt, credentials.merchantKey),
    };
    return envelopeRequest(credentials, RECEIPT_ISSUE_PATH, fields);
  },
  readAnswer(credentials, input, answer, now) {
    const read = readSigned(credentials, answer, [RECEIPT_ISSUED.resultCode]);
    if (!read.signed) return { outcome: 'declined', code: read.code, message: read.message, verified: false };
    const message = text(read.body.ResultMsg) ?? knownResultCode(read.code)?.description ?? '';
    if (read.code !== RECEIPT_ISSUED.resultCode) return { outcome: 'declined', code: read.code, message, verified: true };
    if (read.body.Moid !== input.orderId || readAmount(read.body.Amt) !== input.amount) {
      throw new ConnectorFault('mismatch', `Smartro issued receipt ${read.tid} for Moid ${String(read.body.Moid)} / Amt ${String(read.body.Amt)}, not the order asked`);
    }
    const applyNum = text(read.body.ReceiptAppNo);
    if (applyNum === null) throw new ConnectorFault('malformed', `Smartro's receipt answer for Tid ${read.tid} has no ReceiptAppNo`);
    return {
      outcome: 'issued',
      receiptTid: read.tid,
      applyNum,
      issuedAt: parseAuthDate(text(read.body.AuthDate)) ?? now,
      receiptUrl: cashReceiptUrl(credentials.receiptBaseUrl, read.tid),
      code: read.code,
      message,
    };
  },
};

/** `cashReceiptCancel.do`: cancels an issued receipt; a receipt already cancelled answers 2013, which is the same end. */
export const cancelReceiptFlow: PgFlow<SmartroCredentials, ReceiptCancelInput, ReceiptCancelResult> = {
  buildRequest(credentials, input, now) {
    const edi = ediDate(now);
    const amt = String(input.amount);
    const fields: SmartroReceiptCancelFields = {
      Mid: credentials.mid,
      Tid: input.receiptTid,
      Moid: input.orderId,
      CancelAmt: amt,
      CancelMsg: input.reason.slice(0, 100),
      EdiDate: edi,
      EncryptData: encryptData(edi, credentials.mid, amt, credentials.merchantKey),
    };
    return envelopeRequest(credentials, RECEIPT_CANCEL_PATH, fields);
  },
  readAnswer(credentials, input, answer, now) {
    const done: readonly string[] = [RECEIPT_CANCELLED.resultCode, RECEIPT_ALREADY_CANCELLED.resultCode];
    const read = readSigned(credentials, answer, done);
    if (!read.signed) return { outcome: 'refused', code: read.code, message: read.message, verified: false };
    const message = text(read.body.ResultMsg) ?? knownResultCode(read.code)?.description ?? '';
    if (!done.includes(read.code)) return { outcome: 'refused', code: read.code, message, verified: true };
    if (read.tid !== input.receiptTid) throw new ConnectorFault('mismatch', `Smartro cancelled receipt ${read.tid}, not ${input.receiptTid}`);
    return { outcome: 'cancelled', receiptTid: read.tid, cancelledAt: parseAuthDate(text(read.body.CancelDate)) ?? now, code: read.code, message };
  },
};
