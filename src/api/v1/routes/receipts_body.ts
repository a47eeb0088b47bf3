import { Type } from '@sinclair/typebox';
import { RECEIPT_IDENTIFIER_TYPES, RECEIPT_PAY_METHODS, RECEIPT_PURPOSES } from '../../../domain/receipts';
import type { ReceiptRequest } from '../../../services/receipts';
import { StringEnum } from '../schema';

const Text = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));

/** The fields both issue operations take (V1 `issueReceipt` / `issueExternalReceipt`), JSON or form. */
export const ReceiptFields = {
  identifier: Type.String({ minLength: 1, maxLength: 40 }),
  identifier_type: Type.Optional(StringEnum(RECEIPT_IDENTIFIER_TYPES)),
  type: Type.Optional(StringEnum(RECEIPT_PURPOSES)),
  buyer_name: Text(60),
  buyer_email: Text(100),
  buyer_tel: Text(20),
  tax_free: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  vat_amount: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  // Accepted and not used (V1 fields for other PGs): product_type, company_*, corp_reg_no.
  product_type: Text(40),
  company_name: Text(100),
  company_tel: Text(40),
  corp_reg_no: Text(40),
};

export const ExternalReceiptFields = {
  ...ReceiptFields,
  channel_key: Text(100),
  pg: Text(100),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  amount: Type.Integer({ minimum: 1, maximum: 999_999_999_999 }),
  pay_method: Type.Optional(StringEnum(RECEIPT_PAY_METHODS)),
};

export const ReceiptBody = Type.Object(ReceiptFields);
export const ExternalReceiptBody = Type.Object(ExternalReceiptFields);

/** The service's request from the V1 body. */
export function receiptRequestOf(body: {
  identifier: string;
  identifier_type?: ReceiptRequest['identifierType'];
  type?: ReceiptRequest['purpose'];
  buyer_name?: string | null;
  buyer_email?: string | null;
  buyer_tel?: string | null;
  tax_free?: number | null;
  vat_amount?: number | null;
}): ReceiptRequest {
  return {
    identifier: body.identifier,
    identifierType: body.identifier_type,
    purpose: body.type,
    buyerName: body.buyer_name,
    buyerEmail: body.buyer_email,
    buyerTel: body.buyer_tel,
    taxFree: body.tax_free,
    vatAmount: body.vat_amount,
  };
}
