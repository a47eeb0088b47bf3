/**
 * Smartro calls made by the gateway's server without a buyer's window: a virtual account issued
 * by `vacct.do` (V1 `POST /vbanks`), an account holder lookup (V1 `GET /vbanks/holder`) and an
 * escrow delivery registration (V1 `POST|PUT /escrows/logis/{imp_uid}`). Each is a pure pair
 * (build the request, read the answer) plus the rules its input must meet; the shared executor
 * sends them. `vacct.do` is Smartro's (protocol reference §3.3); the other two are our design of
 * APIs Smartro does not publish (wire.ts, the simulator README).
 */
import {
  ConnectorFault,
  type AccountHolderInput,
  type AccountHolderResult,
  type EscrowDeliveryFlow,
  type EscrowDeliveryInput,
  type EscrowDeliveryResult,
  type EscrowParty,
  type PgAnswer,
  type PgFlow,
  type PgRequest,
  type VirtualAccountIssueFlow,
  type VirtualAccountIssueInput,
  type VirtualAccountIssueResult,
} from '../contract';
import type { FieldViolation } from '../../domain/errors';
import { jsonAnswer } from '../executor';
import type { SmartroCredentials } from './credentials';
import { encryptEnvelope, verifySignValue } from './crypto';
import { MAX_BUYER_EMAIL_LENGTH, MAX_BUYER_NAME_LENGTH, smartroOrderId } from './rules';
import { knownResultCode, readAmount } from './transformers';
import {
  ACCOUNT_HOLDER_FOUND,
  ACCOUNT_HOLDER_NOT_FOUND,
  ACCOUNT_HOLDER_PATH,
  bankByCode,
  ediDate,
  ESCROW_DELIVERY_CODES,
  ESCROW_DELIVERY_PATH,
  parseAuthDate,
  parseVbankExpDate,
  VACCT_PATH,
  vbankExpDate,
  type SmartroAccountHolderRequest,
  type SmartroAccountHolderResponse,
  type SmartroEscrowDeliveryRequest,
  type SmartroEscrowDeliveryResponse,
  type SmartroVacctRequest,
  type SmartroVacctResponse,
} from './wire';

/** Smartro's `VBankAccountName`: V1 documents `vbank_holder` up to 16 characters. */
export const MAX_VBANK_HOLDER_LENGTH = 16;
/** Smartro's `GoodsName` holds at most 40 characters. */
const MAX_GOODS_NAME_LENGTH = 40;

function envelopeRequest(credentials: SmartroCredentials, path: string, inner: object, headers: Record<string, string> = {}): PgRequest {
  return {
    method: 'POST',
    url: `${credentials.apiBaseUrl}${path}`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify({ EncData: encryptEnvelope(inner as Record<string, unknown>, credentials.merchantKey), Mid: credentials.mid }),
  };
}

function record<T extends { ResultCode: string }>(answer: PgAnswer): T {
  const body = jsonAnswer(answer);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ConnectorFault('malformed', 'Smartro answer is not a JSON object');
  const out = body as Record<string, unknown>;
  if (typeof out.ResultCode !== 'string' || out.ResultCode === '') throw new ConnectorFault('malformed', 'Smartro answer has no ResultCode');
  return out as unknown as T;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);
const blank = (value: string | null): boolean => value === null || value.trim() === '';

// ---- vacct.do ----

/** The supply value, VAT and tax-free parts Smartro takes when the merchant sets tax (as the window sends them). */
function taxFields(input: VirtualAccountIssueInput): Pick<SmartroVacctRequest, 'TaxAmt' | 'VatAmt' | 'TaxFreeAmt'> {
  if (input.taxFree === null && input.vatAmount === null) return {};
  const taxFree = input.taxFree ?? 0;
  const taxable = input.amount - taxFree;
  const vat = input.vatAmount ?? Math.round(taxable / 11);
  return { TaxAmt: String(taxable - vat), VatAmt: String(vat), TaxFreeAmt: String(taxFree) };
}

export function buildVacctRequest(credentials: SmartroCredentials, input: VirtualAccountIssueInput, now: Date): SmartroVacctRequest {
  return {
    PayMethod: 'VBANK',
    GoodsCnt: '1',
    GoodsName: (input.name ?? '').slice(0, MAX_GOODS_NAME_LENGTH),
    Amt: String(input.amount),
    Moid: smartroOrderId(input.merchantUid),
    EdiDate: ediDate(now),
    Mid: credentials.mid,
    TransType: input.fixedAccount === null ? '00' : '04',
    ...(input.fixedAccount === null ? {} : { SubId: input.fixedAccount }),
    BuyerName: input.buyerName ?? '',
    BuyerTel: input.buyerTel ?? '',
    BuyerEmail: input.buyerEmail ?? '',
    VbankExpDate: vbankExpDate(input.due),
    VbankBankCode: input.bankCode,
    VBankAccountName: input.holder ?? '',
    CashReceiptType: '0',
    ...taxFields(input),
  };
}

/**
 * Smartro's rules on `POST /vbanks` beyond the window's (PortOne's Smartro guide and the official
 * schema's per-PG notes): buyer name, email and phone required for API calls, `vbank_holder`
 * required, a known 3-digit bank code, a fixed account number of digits.
 */
export function validateVirtualAccountIssue(input: VirtualAccountIssueInput): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (bankByCode(input.bankCode) === null) out.push({ field: 'vbank_code', rule: '금융결제원 표준 은행코드(3자리, GET /banks)여야 합니다' });
  if (blank(input.holder)) out.push({ field: 'vbank_holder', rule: '스마트로 가상계좌 발급에는 예금주명(vbank_holder)이 필수입니다' });
  else if ((input.holder as string).length > MAX_VBANK_HOLDER_LENGTH) out.push({ field: 'vbank_holder', rule: `최대 ${MAX_VBANK_HOLDER_LENGTH}자까지 입력할 수 있습니다` });
  if (blank(input.buyerName)) out.push({ field: 'buyer_name', rule: '스마트로 API 결제에는 구매자 이름(buyer_name)이 필수입니다' });
  else if ((input.buyerName as string).length > MAX_BUYER_NAME_LENGTH) out.push({ field: 'buyer_name', rule: `최대 ${MAX_BUYER_NAME_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  if (blank(input.buyerEmail)) out.push({ field: 'buyer_email', rule: '스마트로 API 결제에는 구매자 이메일(buyer_email)이 필수입니다' });
  else if ((input.buyerEmail as string).length > MAX_BUYER_EMAIL_LENGTH) out.push({ field: 'buyer_email', rule: `최대 ${MAX_BUYER_EMAIL_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  if (blank(input.buyerTel)) out.push({ field: 'buyer_tel', rule: '스마트로 API 결제에는 구매자 전화번호(buyer_tel)가 필수입니다' });
  if (input.fixedAccount !== null && !/^\d{6,20}$/.test(input.fixedAccount)) out.push({ field: 'vbank_num', rule: '고정식 가상계좌 번호는 숫자 6~20자리입니다' });
  return out;
}

/**
 * Reads a `vacct.do` answer. `4100` must be signed (SignValue over its Tid), about the order asked
 * (Moid, and Mid and Amt when present) and name the account; any other failure code is a refusal
 * (nothing was issued, so nobody can pay into it: an unsigned refusal is taken as it is).
 * @throws ConnectorFault signature | mismatch | malformed
 */
export function readVacctAnswer(credentials: SmartroCredentials, input: VirtualAccountIssueInput, answer: PgAnswer, now: Date): VirtualAccountIssueResult {
  const body = record<SmartroVacctResponse>(answer);
  const code = body.ResultCode;
  const message = text(body.ResultMsg) ?? knownResultCode(code)?.description ?? '';
  const meaning = knownResultCode(code)?.meaning;
  if (meaning !== 'vbank-issued') {
    if (meaning !== undefined && meaning !== 'user-aborted' && meaning !== 'system-error') {
      throw new ConnectorFault('mismatch', `Smartro answered vacct.do with result ${code} (${message})`);
    }
    return { outcome: 'declined', code, message };
  }
  const tid = text(body.Tid);
  const sign = text(body.SignValue);
  if (tid === null || sign === null) throw new ConnectorFault('malformed', 'Smartro issued a virtual account without Tid and SignValue');
  if (!verifySignValue(tid, code, credentials.merchantKey, sign)) throw new ConnectorFault('signature', `SignValue of Smartro's vacct.do answer for Tid ${tid} does not verify`);
  const moid = smartroOrderId(input.merchantUid);
  if (body.Moid !== moid) throw new ConnectorFault('mismatch', `Smartro issued an account for Moid ${String(body.Moid)}, not ${moid}`);
  if (body.Mid !== undefined && body.Mid !== credentials.mid) throw new ConnectorFault('mismatch', `Smartro issued an account for MID ${String(body.Mid)}, not ${credentials.mid}`);
  const amount = body.Amt === undefined ? input.amount : readAmount(body.Amt);
  if (amount === null) throw new ConnectorFault('malformed', `Smartro issued an account with an unreadable Amt (${String(body.Amt)})`);
  const vbankNum = text(body.VbankNum);
  if (vbankNum === null) throw new ConnectorFault('malformed', 'Smartro issued a virtual account without VbankNum');
  const vbankDate = parseVbankExpDate(body.VbankExpDate ?? vbankExpDate(input.due));
  if (vbankDate === null) throw new ConnectorFault('malformed', `Smartro issued a virtual account with no readable VbankExpDate (${String(body.VbankExpDate)})`);
  const bankCode = text(body.VbankBankCode) ?? input.bankCode;
  const issuedAt = parseAuthDate(body.AuthDate) ?? now;
  return {
    outcome: 'issued',
    pgTid: tid,
    issuedAt,
    code,
    message,
    order: { merchantUid: moid, amount, pgId: text(body.Mid) ?? credentials.mid },
    vbank: {
      vbankCode: bankCode,
      vbankName: bankByCode(bankCode)?.name ?? text(body.VbankName),
      vbankNum,
      vbankHolder: text(body.VBankAccountName) ?? input.holder,
      vbankDate,
      vbankIssuedAt: issuedAt,
    },
  };
}

/**
 * `vacct.do`. Re-sending the same order is how a lost answer is reconciled: the simulator answers
 * the account it already issued for that Moid and amount (our assumption about Smartro, README).
 */
export const issueVirtualAccountFlow: VirtualAccountIssueFlow<SmartroCredentials> = {
  validate: validateVirtualAccountIssue,
  buildRequest: (credentials, input, now) => envelopeRequest(credentials, VACCT_PATH, buildVacctRequest(credentials, input, now)),
  readAnswer: readVacctAnswer,
};

// ---- account holder ----

export const lookupAccountHolderFlow: PgFlow<SmartroCredentials, AccountHolderInput, AccountHolderResult> = {
  buildRequest: (credentials, input, now) => {
    const inner: SmartroAccountHolderRequest = { Mid: credentials.mid, EdiDate: ediDate(now), BankCode: input.bankCode, AccountNum: input.accountNumber };
    return envelopeRequest(credentials, ACCOUNT_HOLDER_PATH, inner);
  },
  readAnswer: (credentials, input, answer) => {
    const body = record<SmartroAccountHolderResponse>(answer);
    const code = body.ResultCode;
    if (code !== ACCOUNT_HOLDER_FOUND.resultCode && code !== ACCOUNT_HOLDER_NOT_FOUND.resultCode) {
      throw new ConnectorFault('malformed', `Smartro answered the holder lookup with result ${code} (${String(body.ResultMsg ?? '')})`);
    }
    const sign = text(body.SignValue);
    if (sign === null || !verifySignValue(input.accountNumber, code, credentials.merchantKey, sign)) {
      throw new ConnectorFault('signature', 'SignValue of Smartro\'s holder lookup answer does not verify');
    }
    if (code === ACCOUNT_HOLDER_NOT_FOUND.resultCode) return { outcome: 'not-found', code, message: text(body.ResultMsg) ?? ACCOUNT_HOLDER_NOT_FOUND.resultMsg };
    const holder = text(body.AccountHolder);
    if (holder === null) throw new ConnectorFault('malformed', 'Smartro found the account but named no holder');
    return { outcome: 'found', holder };
  },
};

// ---- escrow delivery ----

function partyViolations(side: 'sender' | 'receiver', party: EscrowParty): FieldViolation[] {
  const out: FieldViolation[] = [];
  const required: [string, string | null, string][] = [
    [`${side}.name`, party.name, '이름'],
    [`${side}.tel`, party.tel, '전화번호'],
    [`${side}.postcode`, party.postcode, '우편번호'],
    [`${side}.formed_address.address_line_1`, party.addressLine1, '주소(도로명 또는 지번)'],
    [`${side}.formed_address.address_line_2`, party.addressLine2, '상세주소'],
  ];
  for (const [field, value, what] of required) {
    if (blank(value)) {
      out.push({
        field,
        rule: field.includes('formed_address')
          ? `스마트로 에스크로 배송정보에는 ${what}가 필수입니다 (addr가 아닌 formed_address로 보내 주세요)`
          : `스마트로 에스크로 배송정보에는 ${what}가 필수입니다`,
      });
    }
  }
  return out;
}

/**
 * PortOne's Smartro rules on escrow delivery: sender and receiver name, tel, postcode and
 * `formed_address{address_line_1, address_line_2}` required; the channel must have the escrow API Key.
 */
export function validateEscrowDelivery(credentials: SmartroCredentials, input: EscrowDeliveryInput): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (credentials.escrowApiKey === undefined) {
    out.push({ field: 'channel', rule: '이 스마트로 채널에 에스크로 API Key(secrets.escrowApiKey)가 설정되어 있지 않아 배송정보를 등록할 수 없습니다' });
  }
  out.push(...partyViolations('sender', input.sender), ...partyViolations('receiver', input.receiver));
  return out;
}

export function buildEscrowDeliveryRequest(credentials: SmartroCredentials, input: EscrowDeliveryInput, now: Date): SmartroEscrowDeliveryRequest {
  const s = input.sender;
  const r = input.receiver;
  return {
    ServiceType: input.mode === 'register' ? 'REG' : 'MOD',
    Mid: credentials.mid,
    Tid: input.pgTid,
    EdiDate: ediDate(now),
    DlvCompany: input.company,
    InvoiceNum: input.invoice,
    SendDate: ediDate(input.sentAt),
    SenderName: s.name ?? '',
    SenderTel: s.tel ?? '',
    SenderPost: s.postcode ?? '',
    SenderAddr1: s.addressLine1 ?? '',
    SenderAddr2: s.addressLine2 ?? '',
    RecvName: r.name ?? '',
    RecvTel: r.tel ?? '',
    RecvPost: r.postcode ?? '',
    RecvAddr1: r.addressLine1 ?? '',
    RecvAddr2: r.addressLine2 ?? '',
  };
}

export function readEscrowDeliveryAnswer(credentials: SmartroCredentials, input: EscrowDeliveryInput, answer: PgAnswer, now: Date): EscrowDeliveryResult {
  const body = record<SmartroEscrowDeliveryResponse>(answer);
  const code = body.ResultCode;
  const message = text(body.ResultMsg) ?? '';
  const accepted = input.mode === 'register' ? ESCROW_DELIVERY_CODES.registered : ESCROW_DELIVERY_CODES.modified;
  if (code === accepted.resultCode) {
    const sign = text(body.SignValue);
    if (body.Tid !== input.pgTid) throw new ConnectorFault('mismatch', `Smartro answered the escrow delivery about Tid ${String(body.Tid)}, not ${input.pgTid}`);
    if (sign === null || !verifySignValue(input.pgTid, code, credentials.merchantKey, sign)) {
      throw new ConnectorFault('signature', `SignValue of Smartro's escrow delivery answer for Tid ${input.pgTid} does not verify`);
    }
    return { outcome: 'accepted', code, message: message || accepted.resultMsg, appliedAt: parseAuthDate(body.RegDate) ?? now };
  }
  const conflict = input.mode === 'register' ? ESCROW_DELIVERY_CODES.alreadyRegistered : ESCROW_DELIVERY_CODES.notRegistered;
  if (code === conflict.resultCode) return { outcome: 'conflict', code, message: message || conflict.resultMsg };
  return { outcome: 'refused', code, message };
}

/** Our assumed escrow delivery API (wire.ts): header `apikey`, EncData envelope, signed answer. */
export const registerEscrowDeliveryFlow: EscrowDeliveryFlow<SmartroCredentials> = {
  validate: validateEscrowDelivery,
  buildRequest: (credentials, input, now) =>
    envelopeRequest(credentials, ESCROW_DELIVERY_PATH, buildEscrowDeliveryRequest(credentials, input, now), { apikey: credentials.escrowApiKey ?? '' }),
  readAnswer: readEscrowDeliveryAnswer,
};
