/**
 * Cash receipts (현금영수증) as gyeol keeps them, and V1's rules on their identifiers. Pure.
 *
 * A receipt's life: `issuing` (intent recorded; the PG call is in flight or its outcome is
 * unknown) → `issued` | `declined`; `issued` → `cancelling` (cancel in flight or unknown) →
 * `cancelled`, or back to `issued` when the PG refuses. `issuing`, `issued` and `cancelling` are
 * active: an order has at most one active receipt.
 */
import type { FieldViolation } from './errors';

export type ReceiptState = 'issuing' | 'issued' | 'declined' | 'cancelling' | 'cancelled';
export const ACTIVE_RECEIPT_STATES = ['issuing', 'issued', 'cancelling'] as const satisfies readonly ReceiptState[];

export type ReceiptKind = 'payment' | 'external';
export const RECEIPT_IDENTIFIER_TYPES = ['person', 'business', 'phone', 'taxcard'] as const;
export type ReceiptIdentifierType = (typeof RECEIPT_IDENTIFIER_TYPES)[number];
export const RECEIPT_PURPOSES = ['person', 'company'] as const;
export type ReceiptPurpose = (typeof RECEIPT_PURPOSES)[number];
/** The pay methods of a cash sale a receipt may be issued for. */
export const RECEIPT_PAY_METHODS = ['trans', 'vbank'] as const;

export interface Receipt {
  id: number;
  storeId: number;
  channelId: number;
  kind: ReceiptKind;
  /** The payment, for a receipt of a gyeol payment; null for an external sale. */
  paymentId: number | null;
  impUid: string | null;
  merchantUid: string;
  /** The order id the PG knows the sale by. */
  pgOrderId: string;
  state: ReceiptState;
  purpose: ReceiptPurpose;
  identifierType: ReceiptIdentifierType;
  /** The identifier sealed with the instance secret (a re-send needs it); never shown. */
  identifierSealed: string;
  identifierMasked: string;
  payMethod: string;
  name: string;
  /** Integer minor units (KRW). */
  amount: number;
  vat: number;
  taxFree: number;
  buyerName: string;
  buyerEmail: string | null;
  buyerTel: string;
  receiptTid: string | null;
  applyNum: string | null;
  receiptUrl: string | null;
  appliedAt: Date | null;
  cancelledAt: Date | null;
  failCode: string | null;
  failReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The digits each identifier type takes (V1 / 국세청). */
const IDENTIFIER_RULES: Record<ReceiptIdentifierType, { pattern: RegExp; rule: string }> = {
  phone: { pattern: /^01\d{8,9}$/, rule: '휴대폰 번호는 01로 시작하는 10~11자리 숫자여야 합니다' },
  person: { pattern: /^\d{13}$/, rule: '주민등록번호는 13자리 숫자여야 합니다' },
  business: { pattern: /^\d{10}$/, rule: '사업자등록번호는 10자리 숫자여야 합니다' },
  taxcard: { pattern: /^\d{18}$/, rule: '현금영수증 카드번호는 18자리 숫자여야 합니다' },
};

/**
 * The identifier type when the merchant sent none (V1 makes `identifier_type` optional), told by
 * the digits: 01x… of 10–11 digits is a phone, other 10 digits a business number, 13 an RRN, 18 a
 * 현금영수증 card. null: none of these.
 */
export function inferIdentifierType(digits: string): ReceiptIdentifierType | null {
  if (/^01\d{8,9}$/.test(digits)) return 'phone';
  if (/^\d{10}$/.test(digits)) return 'business';
  if (/^\d{13}$/.test(digits)) return 'person';
  if (/^\d{18}$/.test(digits)) return 'taxcard';
  return null;
}

/**
 * Reads V1's `identifier` (hyphens and spaces allowed) with its type and purpose.
 * @returns the digits and the type, or the violations naming the field and the rule
 */
export function readReceiptIdentifier(
  identifier: string,
  identifierType: ReceiptIdentifierType | undefined,
  purpose: ReceiptPurpose,
): { ok: true; digits: string; type: ReceiptIdentifierType } | { ok: false; violations: FieldViolation[] } {
  const digits = identifier.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits)) return { ok: false, violations: [{ field: 'identifier', rule: '숫자(와 하이픈)만 입력할 수 있습니다' }] };
  const type = identifierType ?? inferIdentifierType(digits);
  if (type === null) {
    return { ok: false, violations: [{ field: 'identifier', rule: '휴대폰 번호(10~11자리), 사업자등록번호(10자리), 주민등록번호(13자리) 또는 현금영수증 카드번호(18자리)여야 합니다' }] };
  }
  if (!IDENTIFIER_RULES[type].pattern.test(digits)) return { ok: false, violations: [{ field: 'identifier', rule: IDENTIFIER_RULES[type].rule }] };
  if (type === 'business' && purpose === 'person') {
    return { ok: false, violations: [{ field: 'type', rule: '사업자등록번호로는 소득공제용(person)을 발급할 수 없습니다. type을 company로 보내 주세요' }] };
  }
  return { ok: true, digits, type };
}

/** Masks an identifier for display: the first 3 and last 2 digits stay. */
export function maskIdentifier(digits: string): string {
  return digits.length <= 5 ? '*'.repeat(digits.length) : `${digits.slice(0, 3)}${'*'.repeat(digits.length - 5)}${digits.slice(-2)}`;
}

/** VAT of a receipt when the merchant gave none: 1/11 of the taxable part, rounded (the usual Korean rule). */
export function defaultVat(amount: number, taxFree: number): number {
  return Math.round((amount - taxFree) / 11);
}
