/**
 * The simulator's cash receipt (현금영수증) endpoints. Smartro's real issue/cancel API is not
 * public (protocol reference §8.7): this is gyeol's assumed wire format (connectors/smartro/wire.ts,
 * "cash receipts"), documented in this folder's README.
 *
 *   POST /payment/approval/cashReceipt.do         {Mid, EncData} → signed 7001 (issued) or a refusal
 *   POST /payment/approval/cashReceiptCancel.do   {Mid, EncData} → signed 2001 (cancelled) / 2013
 *   GET  /issue/IssueLoader.jsp?TID=…&type=2      the cash receipt page (see cashReceiptPageFor)
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decryptEnvelope, encryptData, signValue } from '../../connectors/smartro/crypto';
import {
  authDate,
  RECEIPT_ALREADY_CANCELLED,
  RECEIPT_CANCEL_PATH,
  RECEIPT_CANCELLED,
  RECEIPT_ISSUE_PATH,
  RECEIPT_ISSUED,
} from '../../connectors/smartro/wire';
import { cashReceiptPage, notFoundPage } from './pages';
import type { CashReceipt, SimulatorStore } from './store';

/** A phone number that the simulated 국세청 refuses: a signed decline (R710). */
export const DECLINED_RECEIPT_IDENTITY = '01099990000';
/** A phone number whose receipt is issued but whose answer is held `hangMs` (the gateway times out); so is its cancel's. */
export const LATE_RECEIPT_IDENTITY = '01099990001';

/** Refusals of the receipt API (the simulator's codes; Smartro's are not public). */
export const RECEIPT_ERRORS = {
  BAD_REQUEST: { code: '9999', message: '요청 형식이 올바르지 않습니다 (Mid, EncData 필요)' },
  UNKNOWN_MERCHANT: { code: '9999', message: '등록되지 않은 가맹점(Mid)입니다' },
  BAD_ENVELOPE: { code: '9999', message: 'EncData를 복호화할 수 없습니다 (가맹점 키 확인)' },
  BAD_ENCRYPT_DATA: { code: '9999', message: '위변조 검증(EncryptData)에 실패했습니다' },
  BAD_FIELD: { code: 'R704', message: '요청 항목이 올바르지 않습니다' },
  BAD_IDENTITY: { code: 'R701', message: '현금영수증 식별번호가 올바르지 않습니다' },
  ALREADY_ISSUED: { code: 'R702', message: '이 주문번호(Moid)로 이미 다른 내용의 현금영수증이 발급되어 있습니다' },
  AMOUNTS: { code: 'R703', message: '금액이 맞지 않습니다 (Amt = SupplyAmt + VatAmt + TaxFreeAmt)' },
  DECLINED: { code: 'R710', message: '국세청에 등록할 수 없는 현금영수증 식별번호입니다' },
  UNKNOWN_RECEIPT: { code: 'R711', message: '존재하지 않는 현금영수증 거래입니다' },
  CANCEL_AMOUNT: { code: 'R712', message: '취소금액이 발급금액과 다릅니다 (현금영수증은 전액 취소만 가능합니다)' },
} as const;

/** ReceiptIdentityType → the digits it must be, and its name in refusals. */
const IDENTITY_RULES: Record<string, { pattern: RegExp; rule: string }> = {
  '1': { pattern: /^01\d{8,9}$/, rule: '휴대폰 번호는 01로 시작하는 10~11자리 숫자여야 합니다' },
  '2': { pattern: /^\d{13}$/, rule: '주민등록번호는 13자리 숫자여야 합니다' },
  '3': { pattern: /^\d{10}$/, rule: '사업자등록번호는 10자리 숫자여야 합니다' },
  '4': { pattern: /^\d{18}$/, rule: '현금영수증 카드번호는 18자리 숫자여야 합니다' },
};

export interface CashReceiptDeps {
  store: SimulatorStore;
  now(): Date;
  merchantKey(mid: string): string | undefined;
  /** Holds a request (released when the app closes). */
  hold(ms: number): Promise<void>;
  hangMs: number;
  companyName(mid: string): string;
}

function unsigned(problem: { code: string; message: string }, detail?: string): Record<string, string> {
  return { ResultCode: problem.code, ResultMsg: detail ? `${problem.message}: ${detail}` : problem.message };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function str(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function digitsOf(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(0, 10));
  return out;
}

/** Masks an identity for storage and pages: the first 3 and last 2 digits stay. */
export function maskIdentity(identity: string): string {
  return identity.length <= 5 ? '*'.repeat(identity.length) : `${identity.slice(0, 3)}${'*'.repeat(identity.length - 5)}${identity.slice(-2)}`;
}

/**
 * Opens a receipt call: JSON `{Mid, EncData}` of a known merchant, the envelope decrypting under
 * its key, `EncryptData` matching. Anything else gets Smartro's bare error body.
 */
function openEnvelope(deps: CashReceiptDeps, req: FastifyRequest, amountField: string): { mid: string; key: string; fields: Record<string, unknown> } | { refusal: Record<string, string> } {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const body = req.body as Record<string, unknown> | null;
  if (mediaType !== 'application/json' || typeof body !== 'object' || body === null) return { refusal: unsigned(RECEIPT_ERRORS.BAD_REQUEST) };
  const mid = typeof body.Mid === 'string' ? body.Mid : '';
  const encData = typeof body.EncData === 'string' ? body.EncData : '';
  if (!mid || !encData) return { refusal: unsigned(RECEIPT_ERRORS.BAD_REQUEST) };
  const key = deps.merchantKey(mid);
  if (!key) return { refusal: unsigned(RECEIPT_ERRORS.UNKNOWN_MERCHANT) };
  let fields: Record<string, unknown>;
  try {
    fields = decryptEnvelope(encData, key);
  } catch {
    return { refusal: unsigned(RECEIPT_ERRORS.BAD_ENVELOPE) };
  }
  if (str(fields, 'Mid') !== mid) return { refusal: unsigned(RECEIPT_ERRORS.BAD_FIELD, 'Mid가 본문과 다릅니다') };
  const expected = encryptData(str(fields, 'EdiDate'), mid, str(fields, amountField), key);
  if (!sameText(expected, str(fields, 'EncryptData'))) return { refusal: unsigned(RECEIPT_ERRORS.BAD_ENCRYPT_DATA) };
  return { mid, key, fields };
}

/** Registers the receipt endpoints on the simulator app. */
export function registerCashReceipts(app: FastifyInstance, deps: CashReceiptDeps): void {
  const sign = (answer: Record<string, string>, key: string) => ({ ...answer, SignValue: signValue(answer.Tid, answer.ResultCode, key) });

  app.post(RECEIPT_ISSUE_PATH, async (req, reply) => {
    const opened = openEnvelope(deps, req, 'Amt');
    if ('refusal' in opened) return reply.send(opened.refusal);
    const { mid, key, fields } = opened;
    const moid = str(fields, 'Moid');
    const amount = (name: string) => (/^\d{1,12}$/.test(str(fields, name)) ? Number(str(fields, name)) : null);
    const [amt, supply, vat, taxFree] = [amount('Amt'), amount('SupplyAmt'), amount('VatAmt'), amount('TaxFreeAmt')];
    if (!/^[A-Za-z0-9]{1,40}$/.test(moid)) return reply.send(unsigned(RECEIPT_ERRORS.BAD_FIELD, 'Moid는 영문·숫자 40자 이내'));
    if (amt === null || supply === null || vat === null || taxFree === null || amt === 0) {
      return reply.send(unsigned(RECEIPT_ERRORS.BAD_FIELD, 'Amt, SupplyAmt, VatAmt, TaxFreeAmt는 숫자(Amt는 1 이상)'));
    }
    if (supply + vat + taxFree !== amt) return reply.send(unsigned(RECEIPT_ERRORS.AMOUNTS));
    const payMethod = str(fields, 'PayMethod');
    if (payMethod !== 'BANK' && payMethod !== 'VBANK') return reply.send(unsigned(RECEIPT_ERRORS.BAD_FIELD, 'PayMethod는 BANK 또는 VBANK'));
    const receiptType = str(fields, 'ReceiptType');
    if (receiptType !== '1' && receiptType !== '2') return reply.send(unsigned(RECEIPT_ERRORS.BAD_FIELD, 'ReceiptType은 1(소득공제) 또는 2(지출증빙)'));
    const identityType = str(fields, 'ReceiptIdentityType');
    const identity = str(fields, 'ReceiptIdentity');
    const rule = IDENTITY_RULES[identityType];
    if (!rule) return reply.send(unsigned(RECEIPT_ERRORS.BAD_IDENTITY, 'ReceiptIdentityType은 1~4'));
    if (!rule.pattern.test(identity)) return reply.send(unsigned(RECEIPT_ERRORS.BAD_IDENTITY, rule.rule));
    if (identityType === '3' && receiptType === '1') return reply.send(unsigned(RECEIPT_ERRORS.BAD_IDENTITY, '사업자등록번호로는 소득공제용(ReceiptType 1)을 발급할 수 없습니다'));
    if (!str(fields, 'BuyerName') || !/^\d{9,12}$/.test(str(fields, 'BuyerTel'))) {
      return reply.send(unsigned(RECEIPT_ERRORS.BAD_FIELD, 'BuyerName과 BuyerTel(숫자 9~12자리)이 필요합니다'));
    }
    const now = deps.now();
    const newTid = () => `${mid}0701${authDate(now)}${digitsOf(4)}`;
    if (identity === DECLINED_RECEIPT_IDENTITY) {
      const { code, message } = RECEIPT_ERRORS.DECLINED;
      return reply.send(sign({ ResultCode: code, ResultMsg: message, Tid: newTid(), Mid: mid, Moid: moid }, key));
    }
    // What defines the receipt; a re-send (same order, same contents) gets the same receipt back.
    const requestSha256 = createHash('sha256')
      .update(JSON.stringify([moid, amt, supply, vat, taxFree, payMethod, receiptType, identityType, identity]))
      .digest('hex');
    const tid = newTid();
    const appNo = digitsOf(9);
    const answer = sign(
      { ResultCode: RECEIPT_ISSUED.resultCode, ResultMsg: RECEIPT_ISSUED.resultMsg, Tid: tid, Mid: mid, Moid: moid, Amt: String(amt), ReceiptAppNo: appNo, ReceiptType: receiptType, AuthDate: authDate(now) },
      key,
    );
    const result = deps.store.issueCashReceipt({
      tid,
      mid,
      moid,
      issuedAt: now.getTime(),
      requestSha256,
      data: {
        orgTid: str(fields, 'OrgTid'),
        payMethod,
        goodsName: str(fields, 'GoodsName'),
        amount: amt,
        supplyAmt: supply,
        vatAmt: vat,
        taxFreeAmt: taxFree,
        receiptType,
        identityType,
        maskedIdentity: maskIdentity(identity),
        buyerName: str(fields, 'BuyerName'),
        appNo,
        lateAnswers: identity === LATE_RECEIPT_IDENTITY,
      },
      answer,
    });
    if (!result.created && result.receipt.requestSha256 !== requestSha256) return reply.send(unsigned(RECEIPT_ERRORS.ALREADY_ISSUED));
    if (result.created && identity === LATE_RECEIPT_IDENTITY) {
      req.log.info({ tid, hangMs: deps.hangMs }, 'receipt issued; holding the answer (test identity: late answer)');
      await deps.hold(deps.hangMs);
    }
    return reply.send(result.receipt.answer);
  });

  app.post(RECEIPT_CANCEL_PATH, async (req, reply) => {
    const opened = openEnvelope(deps, req, 'CancelAmt');
    if ('refusal' in opened) return reply.send(opened.refusal);
    const { mid, key, fields } = opened;
    const receipt = deps.store.cashReceipt(str(fields, 'Tid'));
    if (!receipt || receipt.mid !== mid || receipt.moid !== str(fields, 'Moid')) return reply.send(unsigned(RECEIPT_ERRORS.UNKNOWN_RECEIPT));
    if (receipt.state === 'cancelled' && receipt.cancelAnswer) {
      const { resultCode, resultMsg } = RECEIPT_ALREADY_CANCELLED;
      return reply.send(sign({ ...receipt.cancelAnswer, ResultCode: resultCode, ResultMsg: resultMsg }, key));
    }
    if (str(fields, 'CancelAmt') !== String(receipt.data.amount)) {
      const { code, message } = RECEIPT_ERRORS.CANCEL_AMOUNT;
      return reply.send(sign({ ResultCode: code, ResultMsg: message, Tid: receipt.tid, Mid: mid }, key));
    }
    const now = deps.now();
    const answer = sign({ ResultCode: RECEIPT_CANCELLED.resultCode, ResultMsg: RECEIPT_CANCELLED.resultMsg, Tid: receipt.tid, Mid: mid, Moid: receipt.moid, CancelAmt: String(receipt.data.amount), CancelDate: authDate(now) }, key);
    if (!deps.store.cancelCashReceipt(receipt.tid, now.getTime(), answer)) {
      const again = deps.store.cashReceipt(receipt.tid);
      return reply.send(again?.cancelAnswer ?? unsigned(RECEIPT_ERRORS.UNKNOWN_RECEIPT));
    }
    if (receipt.data.lateAnswers) {
      req.log.info({ tid: receipt.tid, hangMs: deps.hangMs }, 'receipt cancelled; holding the answer (test identity: late answer)');
      await deps.hold(deps.hangMs);
    }
    return reply.send(answer);
  });
}

/** The cash receipt page of `IssueLoader.jsp?TID=…&type=2`; a 404 page for an unknown Tid. */
export function sendCashReceiptPage(deps: Pick<CashReceiptDeps, 'store' | 'companyName'>, tid: string, reply: FastifyReply): FastifyReply {
  const receipt: CashReceipt | undefined = tid ? deps.store.cashReceipt(tid) : undefined;
  const send = (status: number, html: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  if (!receipt) return send(404, notFoundPage('영수증을 찾을 수 없습니다', '발급된 현금영수증이 아니거나 존재하지 않는 거래번호(TID)입니다.'));
  return send(
    200,
    cashReceiptPage({
      companyName: deps.companyName(receipt.mid),
      tid: receipt.tid,
      moid: receipt.moid,
      goodsName: receipt.data.goodsName,
      appNo: receipt.data.appNo,
      purpose: receipt.data.receiptType === '2' ? '지출증빙용' : '소득공제용',
      maskedIdentity: receipt.data.maskedIdentity,
      issuedAt: authDate(new Date(receipt.issuedAt)),
      cancelledAt: receipt.cancelledAt === null ? null : authDate(new Date(receipt.cancelledAt)),
      amount: receipt.data.amount,
      supplyAmt: receipt.data.supplyAmt,
      vatAmt: receipt.data.vatAmt,
      taxFreeAmt: receipt.data.taxFreeAmt,
    }),
  );
}
