/**
 * The simulator's billing (빌링, protocol reference §3.4): `ssbbill.do` charges a billing key, and
 * a test-only control endpoint issues keys before the billing window exists. Registered from
 * server.ts; the wire format is connectors/smartro/wire.ts, the envelope and hashes crypto.ts.
 *
 *   POST   /payment/approval/ssbbill.do   JSON {EncData, Mid} → signed answer (3001, card declines, B101), or unsigned (9999, B001–B005)
 *   POST   /sim/billing-keys              test-only: issues a key for a test card; answers the window's callback fields
 *   DELETE /sim/billing-keys/:key         test-only: deletes a key (Smartro's delete API path is not public)
 *
 * The simulator's choices where Smartro publishes nothing (README.md, "Billing (ssbbill.do)"):
 * - a charge is approved with `3001` (wire.ts BILLING_PAY_APPROVED) and signed like every answer;
 * - the test card behind the key decides the outcome (cards.ts): declines are signed with the card
 *   codes (3051…), `system-error` answers the unsigned 9999, `late-approval` approves and holds the
 *   answer, `never-answered` holds and drops the connection;
 * - requests it cannot trust or that lack what Smartro requires get unsigned refusals: 9999 for the
 *   envelope, B001 unknown/deleted key, B002 VerifyValue, B003 buyer fields, B004 Moid, B005 Amt;
 * - the same Moid charged on a key before gets `B101`, signed over that earlier charge's Tid and
 *   carrying its amount and approval fields (AuthDate, AuthCode, card): an order is charged once
 *   per key, and a re-send never takes money twice but learns what the first charge took;
 * - a charge is stored as a transaction: `GET /sim/transactions` lists it and `cancel.do` cancels it
 *   (the reference: billing payments are cancelled with cancel.do and the billing MID);
 *   `approvalInquiry.do` cannot find it (a charge has no TrAuthKey).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { aesEncrypt, billIssueVerifyValue, billPayVerifyValue, decryptEnvelope, sameHash, signValue } from '../../connectors/smartro/crypto';
import {
  authDate,
  BILLING_KEY_ISSUED,
  BILLING_PAY_APPROVED,
  BILLING_PAY_CODES,
  cardCompanyBySmartroCode,
  ediDate,
  SSBBILL_PATH,
} from '../../connectors/smartro/wire';
import { expiryProblem, maskCardNumber, passesLuhn, resultOf, SYSTEM_ERROR, testCardFor } from './cards';
import type { Clock, SimulatorMerchant } from './server';
import type { AuthWindow, BillingKey, SimulatorStore } from './store';

export interface BillingHostDeps {
  store: SimulatorStore;
  clock: Clock;
  merchant(mid: string): SimulatorMerchant | undefined;
  /** A new Tid, unused by any transaction or cancel. */
  newTid(mid: string, now: Date): string;
  /** `count` random digits. */
  random(count: number): string;
  /** Holds a request (the late-approval and never-answered test cards) until hangMs or close. */
  hold(): Promise<void>;
}

/** The unsigned refusals of `ssbbill.do` about the envelope itself (Smartro's 9999 shape). */
export const BILLING_HOST_ERRORS = {
  NOT_JSON: { resultCode: '9999', resultMsg: '요청 본문은 JSON이어야 합니다 (Content-Type: application/json)' },
  BAD_REQUEST: { resultCode: '9999', resultMsg: '요청 형식이 올바르지 않습니다 (EncData, Mid 필요)' },
  UNKNOWN_MERCHANT: { resultCode: '9999', resultMsg: '등록되지 않은 가맹점(Mid)입니다' },
  BAD_ENVELOPE: { resultCode: '9999', resultMsg: '암호화 데이터(EncData)를 가맹점 키로 복호화할 수 없습니다' },
  BAD_FIELD: { resultCode: '9999', resultMsg: '빌링 결제 요청 정보가 올바르지 않습니다' },
} as const;

type Problem = { resultCode: string; resultMsg: string };

function text(record: Record<string, unknown>, name: string): string {
  const value = record[name];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

const unsigned = (problem: Problem, detail?: string) => ({ ResultCode: problem.resultCode, ResultMsg: detail ? `${problem.resultMsg} (${detail})` : problem.resultMsg });

/** `5239-****-****-9001`: the first and last four digits, as the issue callback shows a card. */
export function displayCardNo(digits: string): string {
  return `${digits.slice(0, 4)}-****-****-${digits.slice(-4)}`;
}

/** `MM/YY` → `yyyyMMddHHmm` at the last minute of the card's last valid day. */
function cardExpireStamp(mmYy: string): string {
  const [mm, yy] = mmYy.replace(/\s/g, '').split('/');
  const year = 2000 + Number(yy);
  const month = Number(mm);
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}${String(month).padStart(2, '0')}${String(lastDay).padStart(2, '0')}2359`;
}

export function registerBillingHost(app: FastifyInstance, deps: BillingHostDeps): void {
  const { store, clock } = deps;

  const sign = (answer: Record<string, string> & { Tid: string; ResultCode: string }, key: string): Record<string, string> => ({
    ...answer,
    SignValue: signValue(answer.Tid, answer.ResultCode, key),
  });

  // ---- control: issue a key as the billing window would ----

  app.post('/sim/billing-keys', async (req, reply) => {
    const body = (typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? req.body : {}) as Record<string, unknown>;
    const mid = text(body, 'mid');
    const known = deps.merchant(mid);
    if (!known) return reply.code(400).send({ field: 'mid', message: '등록되지 않은 가맹점(Mid)입니다 (PUT /sim/merchants/:mid 먼저)' });
    const digits = text(body, 'cardNumber').replace(/[\s-]/g, '');
    if (!/^\d{14,16}$/.test(digits) || !passesLuhn(digits)) return reply.code(400).send({ field: 'cardNumber', message: '카드번호는 14~16자리 숫자이며 Luhn 검사를 통과해야 합니다' });
    const mallUserId = text(body, 'mallUserId');
    if (mallUserId === '' || mallUserId.length > 20) return reply.code(400).send({ field: 'mallUserId', message: 'MallUserId(customer_id)는 1~20자여야 합니다' });
    const companyCode = text(body, 'cardCompany') || '12';
    const company = cardCompanyBySmartroCode(companyCode);
    if (!company || company.scope !== 'domestic') return reply.code(400).send({ field: 'cardCompany', message: '국내 카드사의 스마트로 코드(2자리)여야 합니다 (해외카드는 빌키를 발급할 수 없습니다)' });
    const expiry = text(body, 'expiry') || '12/39';
    const now = clock.now();
    const kst = ediDate(now);
    const expired = expiryProblem(expiry, Number(kst.slice(0, 4)), Number(kst.slice(4, 6)));
    if (expired) return reply.code(400).send({ field: 'expiry', message: expired });
    const moid = text(body, 'moid') || `billkey${deps.random(10)}`;
    if (!/^[A-Za-z0-9]{1,40}$/.test(moid)) return reply.code(400).send({ field: 'moid', message: '주문번호는 영문자와 숫자 40자 이내입니다' });

    const billTokenKey = `SBK${randomBytes(15).toString('hex').toUpperCase()}`;
    const tid = deps.newTid(mid, now);
    const display = displayCardNo(digits);
    const key: Omit<BillingKey, 'deleted'> = {
      billTokenKey,
      mid,
      issueTid: tid,
      displayCardNo: display,
      maskedCardNumber: maskCardNumber(digits),
      cardCompanyCode: company.smartroCode,
      cardExpire: cardExpireStamp(expiry),
      mallUserId,
      scenario: testCardFor(digits).scenario,
      createdAt: now.getTime(),
    };
    store.insertBillingKey(key);
    req.log.info({ mid, tid, mallUserId, card: display }, 'billing key issued');
    // Exactly the fields the billing window posts to ReturnURL.
    return reply.code(201).send({
      PayMethod: 'CARD',
      Mid: mid,
      BuyerName: text(body, 'buyerName'),
      Moid: moid,
      Tid: tid,
      BillTokenKey: aesEncrypt(billTokenKey, known.merchantKey),
      MallUserId: mallUserId,
      ResultCode: BILLING_KEY_ISSUED.resultCode,
      ResultMsg: BILLING_KEY_ISSUED.resultMsg,
      MallReserved: '',
      VerifyValue: billIssueVerifyValue(mid, billTokenKey, display, BILLING_KEY_ISSUED.resultCode),
      IssuerCardCd: company.smartroCode,
      IssuerCardNm: company.name,
      DisplayCardNo: display,
      CardExpire: key.cardExpire,
      EncodingType: 'utf8',
      RtnUrlEncUse: 'N',
    });
  });

  app.delete<{ Params: { key: string } }>('/sim/billing-keys/:key', async (req, reply) => {
    if (!store.deleteBillingKey(req.params.key)) return reply.code(404).send({ message: '없거나 이미 삭제된 빌키입니다' });
    return reply.send({ deleted: true });
  });

  // ---- ssbbill.do ----

  app.post(SSBBILL_PATH, async (req, reply) => {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json') return reply.send(unsigned(BILLING_HOST_ERRORS.NOT_JSON));
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const encData = text(body, 'EncData');
    const mid = text(body, 'Mid');
    if (!encData || !mid) return reply.send(unsigned(BILLING_HOST_ERRORS.BAD_REQUEST));
    const known = deps.merchant(mid);
    if (!known) return reply.send(unsigned(BILLING_HOST_ERRORS.UNKNOWN_MERCHANT, mid));
    const merchantKey = known.merchantKey;
    let inner: Record<string, unknown>;
    try {
      inner = decryptEnvelope(encData, merchantKey);
    } catch {
      return reply.send(unsigned(BILLING_HOST_ERRORS.BAD_ENVELOPE));
    }
    const f = (name: string) => text(inner, name);
    if (f('Mid') !== mid) return reply.send(unsigned(BILLING_HOST_ERRORS.BAD_FIELD, 'Mid: 봉투의 Mid와 같아야 합니다'));
    if (f('PayMethod') !== 'CARD') return reply.send(unsigned(BILLING_HOST_ERRORS.BAD_FIELD, 'PayMethod: CARD'));
    const amt = f('Amt');
    if (!/^\d{1,12}$/.test(amt) || Number(amt) < 1) return reply.send(unsigned(BILLING_PAY_CODES.badAmount));
    const billTokenKey = f('BillTokenKey');
    if (!billTokenKey) return reply.send(unsigned(BILLING_PAY_CODES.unknownKey));
    if (!sameHash(billPayVerifyValue(billTokenKey, mid, amt), f('VerifyValue'))) return reply.send(unsigned(BILLING_PAY_CODES.badVerifyValue));
    const key = store.billingKey(billTokenKey);
    if (!key || key.deleted || key.mid !== mid) return reply.send(unsigned(BILLING_PAY_CODES.unknownKey));
    const moid = f('Moid');
    if (!/^[A-Za-z0-9]{1,40}$/.test(moid)) return reply.send(unsigned(BILLING_PAY_CODES.badMoid));
    if (!f('BuyerName') || !f('BuyerEmail') || !f('BuyerTel')) return reply.send(unsigned(BILLING_PAY_CODES.buyerRequired));
    const quota = f('CardQuota') || '00';
    if (!/^\d{2}$/.test(quota) || quota === '01' || Number(quota) > 12) return reply.send(unsigned(BILLING_HOST_ERRORS.BAD_FIELD, 'CardQuota: 00 또는 02~12'));
    const taxTexts = ['TaxAmt', 'VatAmt', 'TaxFreeAmt'].map((name) => f(name));
    if (taxTexts.some((t) => t !== '' && !/^\d{1,12}$/.test(t))) return reply.send(unsigned(BILLING_HOST_ERRORS.BAD_FIELD, 'TaxAmt, VatAmt, TaxFreeAmt: 숫자'));
    const tax = taxTexts.every((t) => t !== '') ? taxTexts.map(Number) : null;
    if (tax && tax[0] + tax[1] + tax[2] !== Number(amt)) return reply.send(unsigned(BILLING_HOST_ERRORS.BAD_FIELD, 'TaxAmt + VatAmt + TaxFreeAmt가 Amt와 다릅니다'));

    const amount = Number(amt);
    const earlier = store.billingChargeTid(billTokenKey, moid);
    // B101 is about the earlier charge: its Tid, amount and approval fields (date, approval number,
    // card), re-signed with B101, so a gateway that lost the first answer learns all of it.
    const duplicate = (tid: string) => {
      const first = store.transaction(tid);
      const { SignValue: _firstSign, ResultCode: _firstCode, ResultMsg: _firstMsg, ...approval } = first?.answer ?? {};
      return sign(
        {
          Mid: mid,
          Moid: moid,
          PayMethod: 'CARD',
          ...approval,
          Tid: tid,
          Amt: first ? String(first.window.amount) : amt,
          ResultCode: BILLING_PAY_CODES.duplicateMoid.resultCode,
          ResultMsg: BILLING_PAY_CODES.duplicateMoid.resultMsg,
        },
        merchantKey,
      );
    };
    if (earlier !== undefined) return reply.send(duplicate(earlier));

    const now = clock.now();
    const company = cardCompanyBySmartroCode(key.cardCompanyCode);
    const window: AuthWindow = {
      id: `billing-${randomBytes(8).toString('hex')}`,
      payMethod: 'CARD',
      mid,
      moid,
      amount,
      taxAmt: tax ? tax[0] : null,
      vatAmt: tax ? tax[1] : null,
      taxFreeAmt: tax ? tax[2] : null,
      goodsName: f('GoodsName'),
      goodsCnt: f('GoodsCnt') || '1',
      buyerName: f('BuyerName'),
      buyerTel: f('BuyerTel'),
      buyerEmail: f('BuyerEmail'),
      mallUserId: f('MallUserId'),
      mallReserved: '',
      ediDate: f('EdiDate'),
      escrow: false,
      returnUrl: '',
      stopUrl: '',
      returnOrigin: '',
      channel: 'pc',
      testMode: true,
      fnCd: null,
      cardQuota: quota,
      skinColor: null,
      englishWindow: false,
      openedAt: now.getTime(),
      open: false,
    };
    const common = { window, cardCompanyCode: key.cardCompanyCode, maskedCardNumber: key.maskedCardNumber, quota, scenario: key.scenario, issuedAt: now.getTime() };

    switch (key.scenario) {
      case 'approve':
      case 'check-card':
      case 'late-approval': {
        const tid = deps.newTid(mid, now);
        const authCode = deps.random(8);
        const answer = sign(
          {
            ResultCode: BILLING_PAY_APPROVED.resultCode,
            ResultMsg: BILLING_PAY_APPROVED.resultMsg,
            Tid: tid,
            Mid: mid,
            Moid: moid,
            Amt: amt,
            PayMethod: 'CARD',
            AuthDate: authDate(now),
            AuthCode: authCode,
            AppCardCode: key.cardCompanyCode,
            AppCardName: company?.name ?? '',
            AcquCardCode: key.cardCompanyCode,
            AcquCardName: company?.name ?? '',
            CardNum: key.maskedCardNumber,
            CardQuota: quota,
            CardType: key.scenario === 'check-card' ? '1' : '0',
            BuyerName: f('BuyerName'),
            GoodsName: f('GoodsName'),
          },
          merchantKey,
        );
        // Stored before the answer leaves: from here on the money is taken, whatever the network does.
        const recorded = store.recordBillingCharge(billTokenKey, {
          tid,
          ...common,
          approval: 'approved',
          resultCode: answer.ResultCode,
          resultMsg: answer.ResultMsg,
          approvedAt: now.getTime(),
          authCode,
          answer,
        });
        if (!recorded) {
          const first = store.billingChargeTid(billTokenKey, moid);
          return reply.send(duplicate(first ?? tid));
        }
        req.log.info({ tid, mid, moid, amount }, 'billing charge approved');
        if (key.scenario === 'late-approval') await deps.hold();
        return reply.send(answer);
      }
      case 'system-error':
        return reply.send(unsigned(SYSTEM_ERROR));
      case 'never-answered':
        reply.hijack();
        await deps.hold();
        req.raw.socket?.destroy();
        return reply;
      case 'card-company-decline':
      case 'insufficient-balance':
      case 'lost-or-stolen':
      case 'bank-decline':
      case 'phone-decline':
      case 'easypay-decline': {
        const declined = resultOf(key.scenario === 'bank-decline' || key.scenario === 'phone-decline' || key.scenario === 'easypay-decline' ? 'card-company-decline' : key.scenario);
        const tid = deps.newTid(mid, now);
        const answer = sign({ ResultCode: declined.resultCode, ResultMsg: declined.resultMsg, Tid: tid, Mid: mid, Moid: moid, Amt: amt, PayMethod: 'CARD' }, merchantKey);
        store.recordBillingCharge(billTokenKey, {
          tid,
          ...common,
          approval: 'declined',
          resultCode: declined.resultCode,
          resultMsg: declined.resultMsg,
          approvedAt: null,
          authCode: null,
          answer,
        });
        return reply.send(answer);
      }
      default: {
        const unreachable: never = key.scenario;
        throw new Error(`unknown scenario ${String(unreachable)}`);
      }
    }
  });
}
