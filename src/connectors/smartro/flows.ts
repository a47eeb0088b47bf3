/**
 * Smartro's approval host flows as pure build-request / read-answer pairs; the shared executor
 * (connectors/executor.ts) sends them.
 */
import {
  ConnectorFault,
  type ApprovalInput,
  type ApprovalResult,
  type CancelInput,
  type CancelResult,
  type InquiryInput,
  type PgAnswer,
  type PgFlow,
  type PgRequest,
} from '../contract';
import { jsonAnswer } from '../executor';
import type { SmartroCredentials } from './credentials';
import { encryptEnvelope, hashData, verifySignValue } from './crypto';
import { readApprovalResponse, readSignedOrBare, toApprovalResult, toCancelResult } from './transformers';
import { taxSplit, type SmartroAuth } from './window';
import {
  APPROVAL_INQUIRY_PATH,
  APPROVAL_PATH,
  CANCEL_PATH,
  partialCancelCode,
  withSmartroCardCodes,
  type SmartroApprovalRequest,
  type SmartroCancelRequest,
  type SmartroCancelResponse,
  type SmartroEnvelopeBody,
} from './wire';

function approvalHostRequest(credentials: SmartroCredentials, path: string, body: SmartroApprovalRequest | SmartroEnvelopeBody): PgRequest {
  return {
    method: 'POST',
    url: `${credentials.apiBaseUrl}${path}`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  };
}

function trAuthKeyOf(auth: unknown): string {
  const key = (auth as Partial<SmartroAuth> | null)?.trAuthKey;
  return typeof key === 'string' ? key : '';
}

/**
 * Reads an answer of the approval host: Smartro's bare error body is an unverified decline; a
 * signed answer must verify (`SignValue`) and be about the Tid and the pay method asked.
 */
function readApprovalHostAnswer(credentials: SmartroCredentials, input: ApprovalInput | InquiryInput, answer: PgAnswer, now: Date): ApprovalResult {
  const read = readApprovalResponse(jsonAnswer(answer));
  if (!read.signed) return { outcome: 'declined', pgTid: null, code: read.code, message: read.message, verified: false };
  const response = read.response;
  if (!verifySignValue(response.Tid, response.ResultCode, credentials.merchantKey, response.SignValue)) {
    throw new ConnectorFault('signature', `SignValue of Smartro's answer for Tid ${response.Tid} does not verify`);
  }
  return toApprovalResult(response, { pgTid: input.pgTid, payMethod: input.payMethod, mid: credentials.mid, receiptBaseUrl: credentials.receiptBaseUrl, cardCompanies: withSmartroCardCodes(credentials.cardCodes) }, now);
}

/** `urlCallApproval.do`: asks Smartro to approve an authenticated payment. */
export const approveFlow: PgFlow<SmartroCredentials, ApprovalInput, ApprovalResult> = {
  buildRequest: (credentials, input) => approvalHostRequest(credentials, APPROVAL_PATH, { Tid: input.pgTid, TrAuthKey: trAuthKeyOf(input.auth) }),
  readAnswer: (credentials, input, answer, now) => readApprovalHostAnswer(credentials, input, answer, now),
};

/** `approvalInquiry.do`: what became of an approval whose answer was lost (same body, same checks). */
export const inquireFlow: PgFlow<SmartroCredentials, InquiryInput, ApprovalResult> = {
  buildRequest: (credentials, input) => approvalHostRequest(credentials, APPROVAL_INQUIRY_PATH, { Tid: input.pgTid, TrAuthKey: trAuthKeyOf(input.auth) }),
  readAnswer: (credentials, input, answer, now) => readApprovalHostAnswer(credentials, input, answer, now),
};

/**
 * The inner fields of a cancel, before the envelope. The tax split is the window's (`taxSplit`):
 * without a VAT amount, VAT is a tenth of the supply value of the taxable part.
 */
export function cancelFields(credentials: SmartroCredentials, input: CancelInput): SmartroCancelRequest {
  const cancelAmt = String(input.amount);
  const partial = partialCancelCode(input);
  // taxFree is always a number here, so the split always exists.
  const tax = taxSplit({ amount: input.amount, taxFree: input.taxFree, vatAmount: input.vatAmount }) ?? { TaxAmt: cancelAmt, VatAmt: '0', TaxFreeAmt: '0' };
  return {
    SERVICE_MODE: 'CL1',
    Tid: input.pgTid,
    Mid: credentials.mid,
    CancelAmt: cancelAmt,
    CancelPwd: credentials.cancelPassword,
    CancelMsg: input.reason,
    CancelSeq: String(input.seq),
    PartialCancelCode: partial,
    CancelTaxAmt: tax.TaxAmt,
    CancelTaxFreeAmt: tax.TaxFreeAmt,
    CancelVatAmt: tax.VatAmt,
    HashData: hashData(input.pgTid, credentials.merchantKey, cancelAmt, partial),
    ...(input.refund
      ? { RefundAcctNm: input.refund.holder, RefundBankCd: input.refund.bankCode, RefundAcctNo: input.refund.account, RefundTel: input.refund.tel }
      : {}),
  };
}

/**
 * `cancel.do`: cancels (part of) a payment, refunds a paid virtual account or bank transfer, or
 * revokes an unpaid virtual account. The inner fields travel in the AES envelope (`{EncData, Mid}`).
 *
 * Reconciliation by re-send: Smartro's cancel inquiry is not public, so an unknown outcome is
 * resolved by sending the same cancel again. Our choice, shared with the simulator (its README):
 * a cancel's key is (Tid, CancelSeq); the same Tid + CancelSeq + CancelAmt gets the first answer
 * again (the same new Tid), never a second cancel.
 *
 * The answer: Smartro's bare error body is an unverified refusal; a signed answer must verify
 * (`SignValue` over its Tid) and be about this payment, amount and MID (transformers.ts).
 */
export const cancelFlow: PgFlow<SmartroCredentials, CancelInput, CancelResult> = {
  buildRequest: (credentials, input) =>
    approvalHostRequest(credentials, CANCEL_PATH, { EncData: encryptEnvelope({ ...cancelFields(credentials, input) }, credentials.merchantKey), Mid: credentials.mid }),
  readAnswer: (credentials, input, answer, now) => {
    const read = readSignedOrBare<SmartroCancelResponse>(jsonAnswer(answer));
    if (!read.signed) return { outcome: 'refused', code: read.code, message: read.message, verified: false };
    const response = read.response;
    if (!verifySignValue(response.Tid, response.ResultCode, credentials.merchantKey, response.SignValue)) {
      throw new ConnectorFault('signature', `SignValue of Smartro's cancel answer for Tid ${response.Tid} does not verify`);
    }
    return toCancelResult(response, input, { mid: credentials.mid, receiptBaseUrl: credentials.receiptBaseUrl }, now);
  },
};
