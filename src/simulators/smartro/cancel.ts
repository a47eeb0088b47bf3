/**
 * The simulator's `cancel.do` (protocol reference §3.2) and the refund of a paid virtual account
 * with its notification (`2211`). Registered from server.ts; the wire format is
 * connectors/smartro/wire.ts, the envelope and hashes connectors/smartro/crypto.ts.
 *
 *   POST /payment/approval/cancel.do     JSON {EncData, Mid} → signed answer (2001, 2013, C0xx), or unsigned 9999
 *   POST /sim/refunds/:tid/complete      test-only: a pending refund is done now, its notification posted
 *
 * The simulator's choices where Smartro publishes nothing (README.md, "cancel.do"):
 * - every accepted cancel gets a new Tid of its own; `PTid` is the payment's Tid;
 * - a cancel's key is (Tid, CancelSeq): the same Tid + CancelSeq + CancelAmt gets the first answer
 *   again (the same new Tid), never a second cancel; the same key with another amount is refused
 *   (C007); another CancelSeq once nothing remains is `2013`. This is how gyeol reconciles a
 *   cancel whose answer it lost, since Smartro's cancel inquiry is not public;
 * - refusals about a known payment are signed, with `Tid` = `PTid` = the payment's Tid; the
 *   C-codes are ours;
 * - an unpaid virtual account is revoked (full amount only) and then takes no deposit; a paid one
 *   is refunded to the refund account given (`RefundAcctNm`, `RefundBankCd`, `RefundAcctNo`,
 *   `RefundTel`: our names), answered `2001` at once and notified with `2211` after `refundDelayMs`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { decryptEnvelope, hashData, signValue } from '../../connectors/smartro/crypto';
import { authDate, bankByCode, CANCEL_PATH, ediDate, REFUND_COMPLETED, type SmartroCancelResponse } from '../../connectors/smartro/wire';
import { accountDigits } from './methods';
import type { Clock, Notice, SimulatorMerchant } from './server';
import type { CancelKind, SimulatorStore, StoredCancel, Transaction } from './store';

/** What the cancel host needs from the rest of the simulator. */
export interface CancelHostDeps {
  store: SimulatorStore;
  clock: Clock;
  merchant(mid: string): SimulatorMerchant | undefined;
  /** A new Tid, unused by any transaction or cancel. */
  newTid(mid: string, now: Date): string;
  /** Posts a notification with the simulator's retries; resolves with the first attempt's acknowledgement. */
  deliver(notice: Notice): Promise<boolean>;
  /** Runs `fn` after `ms` unless the simulator closes first. */
  later(ms: number, fn: () => void): void;
  refundDelayMs: number;
}

/** Smartro's cancel success (protocol reference §4) and its "already cancelled". */
export const CANCEL_ACCEPTED = { code: '2001', message: '취소 성공' } as const;
export const ALREADY_CANCELLED = { code: '2013', message: '이미 취소된 거래입니다' } as const;

/**
 * The simulator's answers to a cancel it refuses. Requests it cannot tie to a payment of the
 * merchant (or cannot trust: the envelope or HashData fails) get Smartro's unsigned 9999 body;
 * refusals about a known payment are signed, with codes of our choice (Smartro's are not public).
 */
export const CANCEL_ERRORS = {
  NOT_JSON: { code: '9999', message: '요청 본문은 JSON이어야 합니다 (Content-Type: application/json)' },
  BAD_REQUEST: { code: '9999', message: '요청 형식이 올바르지 않습니다 (EncData, Mid 필요)' },
  UNKNOWN_MERCHANT: { code: '9999', message: '등록되지 않은 가맹점(Mid)입니다' },
  BAD_ENVELOPE: { code: '9999', message: '암호화 데이터(EncData)를 가맹점 키로 복호화할 수 없습니다' },
  BAD_FIELD: { code: '9999', message: '취소 요청 정보가 올바르지 않습니다' },
  BAD_HASH: { code: '9999', message: '위변조 검증(HashData)에 실패했습니다' },
  UNKNOWN_TID: { code: '9999', message: '존재하지 않는 거래입니다' },
  WRONG_PASSWORD: { code: 'C001', message: '취소 비밀번호가 일치하지 않습니다' },
  NOT_APPROVED: { code: 'C002', message: '승인되지 않은 거래는 취소할 수 없습니다' },
  OVER_REMAINING: { code: 'C003', message: '취소 금액이 취소 가능 금액을 초과합니다' },
  PARTIAL_CODE: { code: 'C004', message: '부분취소 구분(PartialCancelCode)이 취소 금액과 맞지 않습니다' },
  CHECK_CARD_PARTIAL: { code: 'C005', message: '체크카드는 부분취소할 수 없습니다' },
  REFUND_ACCOUNT: { code: 'C006', message: '환불 계좌 정보가 필요합니다' },
  SEQ_CONFLICT: { code: 'C007', message: '같은 취소 순번(CancelSeq)으로 다른 금액의 취소가 이미 처리되었습니다' },
  TAX_SPLIT: { code: 'C008', message: 'CancelTaxAmt + CancelVatAmt + CancelTaxFreeAmt가 CancelAmt와 다릅니다' },
  VBANK_REVOKE_PARTIAL: { code: 'C010', message: '입금 전 가상계좌는 전액 취소(채번 취소)만 할 수 있습니다' },
} as const;

type Problem = { code: string; message: string };

function text(record: Record<string, unknown>, name: string): string {
  const value = record[name];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

/** The inner fields once read and checked for form. */
interface CancelAsk {
  tid: string;
  mid: string;
  amount: number;
  password: string;
  reason: string;
  seq: number;
  partialCode: '0' | '1';
  hash: string;
  /** The three tax fields, when all three were sent. */
  tax: { taxAmt: number; taxFreeAmt: number; vatAmt: number } | null;
  refund: { holder: string; bankCode: string; account: string; tel: string };
}

/** Reads the envelope's fields; a problem names the field and its rule. */
function readAsk(inner: Record<string, unknown>, outerMid: string): CancelAsk | { problem: string } {
  const amountText = text(inner, 'CancelAmt');
  const seqText = text(inner, 'CancelSeq');
  const partialCode = text(inner, 'PartialCancelCode');
  if (text(inner, 'SERVICE_MODE') !== 'CL1') return { problem: 'SERVICE_MODE: CL1이어야 합니다' };
  if (!text(inner, 'Tid')) return { problem: 'Tid 없음' };
  if (text(inner, 'Mid') !== outerMid) return { problem: 'Mid: 봉투의 Mid와 같아야 합니다' };
  if (!/^\d{1,12}$/.test(amountText) || Number(amountText) < 1) return { problem: 'CancelAmt: 1 이상의 숫자, 12자리 이내' };
  if (!/^\d{1,3}$/.test(seqText) || Number(seqText) < 1) return { problem: 'CancelSeq: 1 이상의 숫자' };
  if (partialCode !== '0' && partialCode !== '1') return { problem: 'PartialCancelCode: 0(전체) 또는 1(부분)' };
  if (!text(inner, 'CancelPwd')) return { problem: 'CancelPwd 없음' };
  if (!text(inner, 'HashData')) return { problem: 'HashData 없음' };
  const taxTexts = ['CancelTaxAmt', 'CancelTaxFreeAmt', 'CancelVatAmt'].map((name) => [name, text(inner, name)] as const);
  for (const [name, value] of taxTexts) if (value !== '' && !/^\d{1,12}$/.test(value)) return { problem: `${name}: 숫자만 12자리 이내` };
  const sent = taxTexts.every(([, value]) => value !== '');
  return {
    tid: text(inner, 'Tid'),
    mid: outerMid,
    amount: Number(amountText),
    password: text(inner, 'CancelPwd'),
    reason: text(inner, 'CancelMsg'),
    seq: Number(seqText),
    partialCode,
    hash: text(inner, 'HashData'),
    tax: sent ? { taxAmt: Number(taxTexts[0][1]), taxFreeAmt: Number(taxTexts[1][1]), vatAmt: Number(taxTexts[2][1]) } : null,
    refund: { holder: text(inner, 'RefundAcctNm'), bankCode: text(inner, 'RefundBankCd'), account: text(inner, 'RefundAcctNo'), tel: text(inner, 'RefundTel') },
  };
}

/** Why a refund account cannot take the money back, or null. */
function refundAccountProblem(refund: CancelAsk['refund']): string | null {
  if (!refund.holder) return 'RefundAcctNm(예금주) 없음';
  if (!bankByCode(refund.bankCode)) return 'RefundBankCd: 3자리 은행 코드';
  if (!accountDigits(refund.account)) return 'RefundAcctNo: 계좌번호 10~14자리';
  if (!/^\d{9,12}$/.test(refund.tel.replace(/[\s-]/g, ''))) return 'RefundTel: 전화번호 숫자 9~12자리';
  return null;
}

/** Compares in constant time; the password is never logged. */
function samePassword(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function registerCancelHost(app: FastifyInstance, deps: CancelHostDeps): void {
  const { store, clock } = deps;

  const unsigned = (problem: Problem, detail?: string) => ({ ResultCode: problem.code, ResultMsg: detail ? `${problem.message} (${detail})` : problem.message });

  /** A signed answer: SignValue over its Tid and ResultCode with the merchant's key. */
  function sign(answer: Record<string, string> & { Tid: string; ResultCode: string }, key: string): Record<string, string> {
    return { ...answer, SignValue: signValue(answer.Tid, answer.ResultCode, key) };
  }

  /** A signed refusal about a known payment: no new Tid, `Tid` = `PTid` = the payment's. */
  function refusal(t: Transaction, ask: CancelAsk, key: string, problem: Problem, detail?: string): Record<string, string> {
    return sign(
      {
        PayMethod: t.method.payMethod,
        Tid: t.tid,
        Mid: t.window.mid,
        ResultCode: problem.code,
        ResultMsg: detail ? `${problem.message} (${detail})` : problem.message,
        CancelAmt: String(ask.amount),
        PTid: t.tid,
      },
      key,
    );
  }

  /** The refund notification (신통보, `2211`) of a done refund, as a {@link Notice}. */
  function refundNotice(cancelTid: string): Notice {
    const first = store.cancel(cancelTid);
    return {
      tid: cancelTid,
      mid: first?.mid ?? '',
      what: 'refund',
      fields: () => {
        const c = store.cancel(cancelTid);
        const key = c ? deps.merchant(c.mid)?.merchantKey : undefined;
        const t = c ? store.transaction(c.originalTid) : undefined;
        if (!c || c.refundedAt === null || !key || !t) return null;
        return sign(
          {
            Mid: c.mid,
            Tid: c.tid,
            OTID: c.originalTid,
            Moid: t.window.moid,
            Amt: String(c.amount),
            PayMethod: 'VBANK',
            ResultCode: REFUND_COMPLETED.resultCode,
            ResultMsg: REFUND_COMPLETED.resultMsg,
            AuthDate: authDate(new Date(c.refundedAt)),
          },
          key,
        );
      },
      note: (status, acknowledged) => store.noteRefundNotification(cancelTid, status, acknowledged),
    };
  }

  /** The bank sent a refund's money back: mark it done and notify. false when it was not pending. */
  async function completeRefund(cancelTid: string): Promise<{ completed: false } | { completed: true; acknowledged: boolean; refundedAt: number }> {
    const at = clock.now().getTime();
    if (!store.completeRefund(cancelTid, at)) return { completed: false };
    return { completed: true, acknowledged: await deps.deliver(refundNotice(cancelTid)), refundedAt: at };
  }

  const scheduleRefund = (c: StoredCancel) => deps.later(Math.max(0, c.cancelledAt + deps.refundDelayMs - clock.now().getTime()), () => void completeRefund(c.tid));
  // Refunds accepted before a restart are still done (and notified) once due.
  for (const pending of store.pendingRefunds()) scheduleRefund(pending);

  app.post(CANCEL_PATH, async (req, reply: FastifyReply) => {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json') return reply.send(unsigned(CANCEL_ERRORS.NOT_JSON));
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const encData = text(body, 'EncData');
    const mid = text(body, 'Mid');
    if (!encData || !mid) return reply.send(unsigned(CANCEL_ERRORS.BAD_REQUEST));
    const known = deps.merchant(mid);
    if (!known) return reply.send(unsigned(CANCEL_ERRORS.UNKNOWN_MERCHANT, mid));
    const key = known.merchantKey;
    let inner: Record<string, unknown>;
    try {
      inner = decryptEnvelope(encData, key);
    } catch {
      return reply.send(unsigned(CANCEL_ERRORS.BAD_ENVELOPE));
    }
    const ask = readAsk(inner, mid);
    if ('problem' in ask) return reply.send(unsigned(CANCEL_ERRORS.BAD_FIELD, ask.problem));
    if (ask.hash !== hashData(ask.tid, key, String(ask.amount), ask.partialCode)) return reply.send(unsigned(CANCEL_ERRORS.BAD_HASH));
    const t = store.transaction(ask.tid);
    if (!t || t.window.mid !== mid) return reply.send(unsigned(CANCEL_ERRORS.UNKNOWN_TID));
    const refuse = (problem: Problem, detail?: string) => reply.send(refusal(t, ask, key, problem, detail));
    if (known.cancelPassword !== undefined && !samePassword(ask.password, known.cancelPassword)) return refuse(CANCEL_ERRORS.WRONG_PASSWORD);

    // The re-send rule: (Tid, CancelSeq) names one cancel, answered the same way every time.
    const earlier = store.cancelBySeq(t.tid, ask.seq);
    if (earlier) return earlier.amount === ask.amount ? reply.send(earlier.answer) : refuse(CANCEL_ERRORS.SEQ_CONFLICT);

    if (t.approval !== 'approved') return refuse(CANCEL_ERRORS.NOT_APPROVED);
    const total = t.window.amount;
    const taken = store.cancelsOf(t.tid).reduce((sum, c) => sum + c.amount, 0);
    const remaining = total - taken;
    if (remaining === 0) return refuse(ALREADY_CANCELLED);
    if (ask.amount > remaining) return refuse(CANCEL_ERRORS.OVER_REMAINING, `취소 가능 금액 ${remaining}원`);
    const whole = taken === 0 && ask.amount === total;
    if (ask.partialCode !== (whole ? '0' : '1')) return refuse(CANCEL_ERRORS.PARTIAL_CODE, whole ? '전체 취소는 0' : '부분 취소는 1');
    if (ask.tax && ask.tax.taxAmt + ask.tax.vatAmt + ask.tax.taxFreeAmt !== ask.amount) return refuse(CANCEL_ERRORS.TAX_SPLIT);

    let kind: CancelKind = 'cancel';
    const method = t.method;
    switch (method.payMethod) {
      case 'CARD':
        if (t.scenario === 'check-card' && !whole) return refuse(CANCEL_ERRORS.CHECK_CARD_PARTIAL);
        break;
      case 'VBANK':
        if (store.vbankDeposit(t.tid)) kind = 'refund';
        else if (!whole) return refuse(CANCEL_ERRORS.VBANK_REVOKE_PARTIAL);
        else kind = 'revoke';
        break;
      case 'BANK':
      case 'CELLPHONE':
      case 'LPAY':
      case 'KAKAO':
      case 'NAVER':
      case 'PAYCO':
      case 'PINPAY':
        break;
      default: {
        const unreachable: never = method;
        throw new Error(`unknown method ${JSON.stringify(unreachable)}`);
      }
    }
    // The money of a bank transfer or a paid virtual account goes back to an account the merchant names.
    if (kind === 'refund' || method.payMethod === 'BANK') {
      const problem = refundAccountProblem(ask.refund);
      if (problem) return refuse(CANCEL_ERRORS.REFUND_ACCOUNT, problem);
    }

    const now = clock.now();
    const stamp = ediDate(now);
    const cancelTid = deps.newTid(mid, now);
    const accepted: Omit<Required<SmartroCancelResponse>, 'SignValue' | 'CancelAmt'> & { CancelAmt: string } = {
      PayMethod: method.payMethod,
      Tid: cancelTid,
      Mid: mid,
      ResultCode: CANCEL_ACCEPTED.code,
      ResultMsg: CANCEL_ACCEPTED.message,
      CancelDate: stamp.slice(0, 8),
      CancelTime: stamp.slice(8, 14),
      CancelAmt: String(ask.amount),
      PTid: t.tid,
    };
    const answer = sign(accepted, key);
    const record = { tid: cancelTid, originalTid: t.tid, mid, seq: ask.seq, amount: ask.amount, kind, cancelledAt: now.getTime(), answer };
    // Stored before the answer leaves; the checks run again inside the write (no await since them, but still).
    if (!store.recordCancel(record, total)) {
      const again = store.cancelBySeq(t.tid, ask.seq);
      if (again) return again.amount === ask.amount ? reply.send(again.answer) : refuse(CANCEL_ERRORS.SEQ_CONFLICT);
      return refuse(CANCEL_ERRORS.OVER_REMAINING);
    }
    req.log.info({ tid: t.tid, cancelTid, seq: ask.seq, amount: ask.amount, kind }, 'cancel accepted');
    if (kind === 'refund') {
      const stored = store.cancel(cancelTid);
      if (stored) scheduleRefund(stored);
    }
    return reply.send(answer);
  });

  // Test-only: the bank has sent a pending refund's money back now (instead of after refundDelayMs).
  app.post<{ Params: { tid: string } }>('/sim/refunds/:tid/complete', async (req, reply) => {
    const c = store.cancel(req.params.tid);
    if (!c || c.kind !== 'refund') return reply.code(404).send({ message: '가상계좌 환불 거래가 아닙니다 (취소 응답의 Tid)' });
    const done = await completeRefund(c.tid);
    if (!done.completed) return reply.code(409).send({ message: '이미 환불이 완료된 거래입니다' });
    return reply.send({ tid: c.tid, originalTid: c.originalTid, refundedAt: new Date(done.refundedAt).toISOString(), acknowledged: done.acknowledged });
  });
}
