/**
 * The simulator's server-to-server calls that need no buyer window:
 *
 *   POST /payment/approval/vacct.do           {EncData, Mid} → a virtual account (4100), stored as
 *                                              a window-issued one (deposit page, notifications)
 *   POST /payment/approval/accountHolder.do   {EncData, Mid} → the holder of a test account
 *   POST /payment/approval/escrowDelivery.do  header apikey + {EncData, Mid} → delivery registered
 *   GET  /sim/escrow-deliveries/:tid          test-only: what was registered
 *
 * `vacct.do` is Smartro's (protocol reference §3.3); its answer's extra fields, the holder lookup
 * and the escrow delivery API are our design (connectors/smartro/wire.ts, README.md).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { decryptEnvelope, signValue } from '../../connectors/smartro/crypto';
import {
  ACCOUNT_HOLDER_FOUND,
  ACCOUNT_HOLDER_NOT_FOUND,
  ACCOUNT_HOLDER_PATH,
  authDate,
  bankByCode,
  ESCROW_DELIVERY_CODES,
  ESCROW_DELIVERY_PATH,
  parseVbankExpDate,
  VACCT_PATH,
  VACCT_TEST_BANK_REFUSED,
  VACCT_TEST_UNAVAILABLE_BANKS,
} from '../../connectors/smartro/wire';
import { newVbankNumber, VBANK_ISSUED } from './methods';
import type { AuthWindow, SimulatorStore, Transaction } from './store';

export interface ServerCallDeps {
  store: SimulatorStore;
  merchant(mid: string): { merchantKey: string; escrowApiKey?: string; escrowContract?: boolean } | undefined;
  clock: { now(): Date };
  /** `count` random digits. */
  random(count: number): string;
  /** Holds a request for the simulator's hang time (released when the app closes). */
  hold(): Promise<void>;
}

/**
 * A `vacct.do` request with this holder name (VBankAccountName) is issued at once but answered
 * only after the simulator's hang time, as a late answer the gateway's PG timeout gives up on.
 * Asked again for the same order, the account is answered at once (a reconciliation).
 */
export const LATE_VACCT_HOLDER = '응답지연';

/**
 * The simulator's bank accounts for the holder lookup (bank code, account digits → holder). Any
 * other account, e.g. 신한 `110000000000`, is not found (`H404`).
 */
export const HOLDER_TEST_ACCOUNTS: readonly { bankCode: string; account: string; holder: string }[] = [
  { bankCode: '088', account: '110123456789', holder: '홍길동' },
  { bankCode: '004', account: '12345678901234', holder: '김결제' },
  { bankCode: '020', account: '1002123456789', holder: '이환불' },
  { bankCode: '081', account: '12345678901', holder: '(주)결상사' },
];
export const HOLDER_NOT_FOUND_ACCOUNT = { bankCode: '088', account: '110000000000' } as const;

/** Refusal codes of vacct.do for a request that cannot be read (the simulator's choice). */
const VACCT_BAD_REQUEST = 'V001';
const MOID_PATTERN = /^[A-Za-z0-9]{1,40}$/;

const str = (inner: Record<string, unknown>, name: string): string => {
  const v = inner[name];
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
};

export function registerServerCalls(app: FastifyInstance, deps: ServerCallDeps): void {
  const { store } = deps;

  /** The envelope's inner fields, or the unsigned refusal to answer. */
  function open(body: unknown): { mid: string; key: string; inner: Record<string, unknown> } | { refusal: Record<string, string> } {
    const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const mid = typeof record.Mid === 'string' ? record.Mid : '';
    const encData = typeof record.EncData === 'string' ? record.EncData : '';
    const known = deps.merchant(mid);
    if (!known) return { refusal: { ResultCode: '9999', ResultMsg: '등록되지 않은 가맹점(Mid)입니다' } };
    if (!encData) return { refusal: { ResultCode: '9999', ResultMsg: '요청 형식이 올바르지 않습니다 (EncData, Mid 필요)' } };
    let inner: Record<string, unknown>;
    try {
      inner = decryptEnvelope(encData, known.merchantKey);
    } catch {
      return { refusal: { ResultCode: '9999', ResultMsg: 'EncData를 복호화할 수 없습니다 (가맹점 키 확인)' } };
    }
    if (str(inner, 'Mid') !== mid) return { refusal: { ResultCode: '9999', ResultMsg: 'EncData의 Mid가 요청의 Mid와 다릅니다' } };
    return { mid, key: known.merchantKey, inner };
  }

  const sign = (answer: Record<string, string>, signedOver: string, key: string): Record<string, string> => ({
    ...answer,
    SignValue: signValue(signedOver, answer.ResultCode, key),
  });

  // ---- vacct.do ----

  /** The answer of an issued account, as stored with it (a repeated request gets it again). */
  function vacctAnswer(t: Transaction, key: string, holder: string): Record<string, string> {
    const method = t.method.payMethod === 'VBANK' ? t.method : null;
    return sign(
      {
        ResultCode: VBANK_ISSUED.resultCode,
        ResultMsg: VBANK_ISSUED.resultMsg,
        Tid: t.tid,
        Moid: t.window.moid,
        Mid: t.window.mid,
        Amt: String(t.window.amount),
        AuthDate: authDate(new Date(t.issuedAt)),
        VbankBankCode: method?.bankCode ?? '',
        VbankName: method?.bankName ?? '',
        VbankNum: method?.vbankNum ?? '',
        VbankExpDate: method?.vbankExpDate ?? '',
        VBankAccountName: holder,
      },
      t.tid,
      key,
    );
  }

  app.post(VACCT_PATH, async (req, reply) => {
    const opened = open(req.body);
    if ('refusal' in opened) return reply.send(opened.refusal);
    const { mid, key, inner } = opened;
    const refuse = (message: string) => reply.send({ ResultCode: VACCT_BAD_REQUEST, ResultMsg: message });
    const moid = str(inner, 'Moid');
    const amt = str(inner, 'Amt');
    const bank = bankByCode(str(inner, 'VbankBankCode'));
    const expDate = str(inner, 'VbankExpDate');
    const deadline = parseVbankExpDate(expDate);
    const holder = str(inner, 'VBankAccountName');
    if (str(inner, 'PayMethod') !== 'VBANK') return refuse('PayMethod는 VBANK여야 합니다');
    if (!MOID_PATTERN.test(moid)) return refuse('Moid: 영문자·숫자 40자 이내');
    if (!/^\d{1,12}$/.test(amt) || Number(amt) < 1) return refuse('Amt: 1 이상의 숫자 12자리 이내');
    if (!bank) return refuse('VbankBankCode: 은행코드가 올바르지 않습니다');
    if (deadline === null || deadline.getTime() <= deps.clock.now().getTime()) return refuse('VbankExpDate: 미래의 yyyyMMdd 또는 yyyyMMddhhmm');
    for (const name of ['BuyerName', 'BuyerTel', 'BuyerEmail', 'VBankAccountName']) {
      if (str(inner, name) === '') return refuse(`${name}: 필수 입력값입니다`);
    }
    const transType = str(inner, 'TransType') || '00';
    const subId = str(inner, 'SubId');
    if (transType === '04' && !/^\d{6,20}$/.test(subId)) return refuse('SubId: 고정식 가상계좌 번호(숫자)가 필요합니다 (TransType 04)');
    // Smartro's test environment cannot issue for some banks (PortOne's Smartro caution page).
    if (VACCT_TEST_UNAVAILABLE_BANKS.includes(bank.code)) return reply.send({ ResultCode: VACCT_TEST_BANK_REFUSED.resultCode, ResultMsg: VACCT_TEST_BANK_REFUSED.resultMsg });

    // The same order asked again (its answer was lost): the account already issued for it, while
    // it can still be paid — never a second account for one order and amount.
    const now = deps.clock.now();
    for (const summary of store.listTransactions({ mid, moid })) {
      const t = store.transaction(summary.tid);
      if (!t || t.method.payMethod !== 'VBANK' || t.approval !== 'approved' || !t.window.id.startsWith('vacct-')) continue;
      const due = parseVbankExpDate(t.method.vbankExpDate);
      if (t.window.amount === Number(amt) && !store.vbankDeposit(t.tid) && due !== null && due.getTime() > now.getTime()) {
        return reply.send(t.answer ?? vacctAnswer(t, key, holder));
      }
    }

    const optional = (name: string) => (str(inner, name) === '' ? null : Number(str(inner, name)));
    const w: AuthWindow = {
      // No window is shown for vacct.do: this record only carries the order, as a window's does.
      id: `vacct-${randomBytes(12).toString('hex')}`,
      payMethod: 'VBANK',
      mid,
      moid,
      amount: Number(amt),
      taxAmt: optional('TaxAmt'),
      taxFreeAmt: optional('TaxFreeAmt'),
      vatAmt: optional('VatAmt'),
      goodsName: str(inner, 'GoodsName'),
      goodsCnt: str(inner, 'GoodsCnt') || '1',
      buyerName: str(inner, 'BuyerName'),
      buyerTel: str(inner, 'BuyerTel'),
      buyerEmail: str(inner, 'BuyerEmail'),
      mallUserId: '',
      mallReserved: '',
      ediDate: str(inner, 'EdiDate'),
      escrow: false,
      returnUrl: '',
      stopUrl: '',
      returnOrigin: '',
      channel: 'pc',
      testMode: true,
      fnCd: null,
      cardQuota: null,
      skinColor: null,
      englishWindow: false,
      vbankExpDate: expDate,
      openedAt: now.getTime(),
      open: true,
    };
    // Tid: Mid + 01 + 03 + yyMMddHHmmss + 4 digits (the window's are 0101); a clash within one second is drawn again.
    let tid = `${mid}0103${authDate(now)}${deps.random(4)}`;
    while (store.hasTransaction(tid)) tid = `${mid}0103${authDate(now)}${deps.random(4)}`;
    const t: Omit<Transaction, 'approval' | 'resultCode' | 'resultMsg' | 'approvedAt' | 'authCode' | 'answer'> = {
      tid,
      window: w,
      cardCompanyCode: '',
      maskedCardNumber: '',
      quota: '00',
      method: { payMethod: 'VBANK', bankCode: bank.code, bankName: bank.name, vbankNum: transType === '04' ? subId : newVbankNumber(deps.random), vbankExpDate: expDate },
      scenario: 'approve',
      issuedAt: now.getTime(),
    };
    store.insertWindow(w);
    // A random TrAuthKey nobody holds: a vacct.do account is never sent to urlCallApproval.do.
    if (!store.authenticate(t, randomBytes(16).toString('hex'))) return reply.send({ ResultCode: '9999', ResultMsg: '시스템에러 잠시후 재 거래' });
    const answer = vacctAnswer({ ...t, approval: 'approved', resultCode: null, resultMsg: null, approvedAt: null, authCode: null, answer: null }, key, holder);
    store.settle(tid, { approval: 'approved', resultCode: answer.ResultCode, resultMsg: answer.ResultMsg, approvedAt: now.getTime(), authCode: deps.random(8), answer });
    if (holder === LATE_VACCT_HOLDER) {
      req.log.info({ tid }, 'issued; holding the answer (test holder: late answer)');
      await deps.hold();
    }
    return reply.send(answer);
  });

  // ---- account holder lookup ----

  app.post(ACCOUNT_HOLDER_PATH, async (req, reply) => {
    const opened = open(req.body);
    if ('refusal' in opened) return reply.send(opened.refusal);
    const account = str(opened.inner, 'AccountNum');
    const bankCode = str(opened.inner, 'BankCode');
    if (!/^\d{1,30}$/.test(account) || !bankByCode(bankCode)) return reply.send({ ResultCode: '9999', ResultMsg: 'BankCode, AccountNum이 올바르지 않습니다' });
    const found = HOLDER_TEST_ACCOUNTS.find((a) => a.bankCode === bankCode && a.account === account);
    if (!found) return reply.send(sign({ ResultCode: ACCOUNT_HOLDER_NOT_FOUND.resultCode, ResultMsg: ACCOUNT_HOLDER_NOT_FOUND.resultMsg }, account, opened.key));
    return reply.send(sign({ ResultCode: ACCOUNT_HOLDER_FOUND.resultCode, ResultMsg: ACCOUNT_HOLDER_FOUND.resultMsg, AccountHolder: found.holder }, account, opened.key));
  });

  // ---- escrow delivery ----

  const ESCROW_FIELDS = ['DlvCompany', 'InvoiceNum', 'SendDate', 'SenderName', 'SenderTel', 'SenderPost', 'SenderAddr1', 'SenderAddr2', 'RecvName', 'RecvTel', 'RecvPost', 'RecvAddr1', 'RecvAddr2'];

  app.post(ESCROW_DELIVERY_PATH, async (req, reply) => {
    const opened = open(req.body);
    if ('refusal' in opened) return reply.send(opened.refusal);
    const { mid, key, inner } = opened;
    const tid = str(inner, 'Tid');
    const answer = (code: { resultCode: string; resultMsg: string }, message?: string) =>
      reply.send(sign({ ResultCode: code.resultCode, ResultMsg: message ?? code.resultMsg, Tid: tid, RegDate: authDate(deps.clock.now()) }, tid, key));
    const apiKey = req.headers.apikey;
    const expected = deps.merchant(mid)?.escrowApiKey;
    if (!expected || apiKey !== expected) return answer(ESCROW_DELIVERY_CODES.badApiKey);
    const t = tid ? store.transaction(tid) : undefined;
    // Only an approved escrow transaction of this merchant; a virtual account once paid.
    const escrowed = t !== undefined && t.window.mid === mid && t.approval === 'approved' && t.answer?.EscrowCd === '1';
    const paid = t !== undefined && (t.method.payMethod !== 'VBANK' || store.vbankDeposit(t.tid) !== null);
    if (!escrowed || !paid) return answer(ESCROW_DELIVERY_CODES.notEscrow);
    const missing = ESCROW_FIELDS.filter((name) => str(inner, name) === '');
    if (missing.length > 0) return answer(ESCROW_DELIVERY_CODES.badRequest, `${ESCROW_DELIVERY_CODES.badRequest.resultMsg} (${missing.join(', ')} 필수)`);
    const fields = Object.fromEntries(ESCROW_FIELDS.map((name) => [name, str(inner, name)]));
    const now = deps.clock.now().getTime();
    switch (str(inner, 'ServiceType')) {
      case 'REG':
        return store.registerEscrowDelivery(tid, fields, now) ? answer(ESCROW_DELIVERY_CODES.registered) : answer(ESCROW_DELIVERY_CODES.alreadyRegistered);
      case 'MOD':
        return store.modifyEscrowDelivery(tid, fields, now) ? answer(ESCROW_DELIVERY_CODES.modified) : answer(ESCROW_DELIVERY_CODES.notRegistered);
      default:
        return answer(ESCROW_DELIVERY_CODES.badRequest, `${ESCROW_DELIVERY_CODES.badRequest.resultMsg} (ServiceType은 REG 또는 MOD)`);
    }
  });

  app.get<{ Params: { tid: string } }>('/sim/escrow-deliveries/:tid', async (req, reply) => {
    const found = store.escrowDelivery(req.params.tid);
    if (!found) return reply.code(404).send({ message: '등록된 배송정보가 없습니다' });
    return reply.send({ tid: found.tid, fields: found.fields, registeredAt: new Date(found.registeredAt).toISOString(), modifiedAt: found.modifiedAt === null ? null : new Date(found.modifiedAt).toISOString() });
  });
}
