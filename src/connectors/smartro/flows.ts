/**
 * Smartro's approval host flows as pure build-request / read-answer pairs; the shared executor
 * (connectors/executor.ts) sends them.
 */
import { ConnectorFault, type ApprovalInput, type ApprovalResult, type InquiryInput, type PgAnswer, type PgFlow, type PgRequest } from '../contract';
import { jsonAnswer } from '../executor';
import type { SmartroCredentials } from './credentials';
import { verifySignValue } from './crypto';
import { readApprovalResponse, toApprovalResult } from './transformers';
import type { SmartroAuth } from './window';
import { APPROVAL_INQUIRY_PATH, APPROVAL_PATH, withSmartroCardCodes, type SmartroApprovalRequest } from './wire';

function approvalHostRequest(credentials: SmartroCredentials, path: string, body: SmartroApprovalRequest): PgRequest {
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
