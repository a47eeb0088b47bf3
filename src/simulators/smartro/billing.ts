/**
 * The simulator's billing (빌링, protocol reference §3.4): the billing window issues a key,
 * `ssbbill.do` charges it, and a test-only control endpoint issues keys without a window.
 * Registered from server.ts; the wire format is connectors/smartro/wire.ts, the envelope and
 * hashes crypto.ts.
 *
 *   POST   /payment/billkey                the billing form (MID, Moid, MallUserID, VerifyValue, SspMallID…) → identity or card step
 *   POST   /payment/billkey/identity       휴대폰 본인확인 (a MallUserID not seen for this MID) → card step
 *   POST   /payment/billkey/card           card form → key issued; the callback fields are posted to ReturnURL
 *   POST   /payment/approval/ssbbill.do    JSON {EncData, Mid} → signed answer (3001, card declines, B101), or unsigned (9999, B001–B005)
 *   POST   /sim/billing-keys               test-only: issues a key for a test card; answers the window's callback fields
 *   DELETE /sim/billing-keys/:key          test-only: deletes a key (Smartro's delete API path is not public)
 *
 * The billing window's choices where Smartro publishes nothing (README.md, "Billing window"): its
 * path; the identity step's page (the code is shown: no text message is sent); refusals posted to
 * ReturnURL like a success, without VerifyValue (B201 overseas card company, 3053 the lost test
 * card, U999 the buyer closing the window); `RtnUrlEncUse` is echoed, values are never URL-encoded.
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
import type { FastifyInstance, FastifyReply } from 'fastify';
import { aesEncrypt, billIssueRequestVerifyValue, billIssueVerifyValue, billPayVerifyValue, decryptEnvelope, sameHash, signValue } from '../../connectors/smartro/crypto';
import {
  authDate,
  BILLING_ISSUE_CODES,
  BILLING_KEY_ISSUED,
  BILLING_PAY_APPROVED,
  BILLING_PAY_CODES,
  cardCompanyBySmartroCode,
  ediDate,
  SMARTRO_BILLING_WINDOW_PATH,
  SMARTRO_CARD_COMPANIES,
  SSBBILL_PATH,
  type SmartroBillingIssueCallback,
  type SmartroCardCompany,
} from '../../connectors/smartro/wire';
import { BILLING_REFUSED_CARD, expiryProblem, maskCardNumber, passesLuhn, resultOf, SYSTEM_ERROR, testCardFor } from './cards';
import { phoneDigits } from './methods';
import { authErrorPage, billingCardPage, billingIdentityPage, mobileRedirectPage, type BillingCardView, type BillingIdentityView } from './pages';
import type { Clock, SimulatorMerchant } from './server';
import type { AuthWindow, BillingKey, BillingWindow, SimulatorStore } from './store';

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

/** Smartro: "Moid (≤40, no special characters)". */
const MOID = /^[A-Za-z0-9]{1,40}$/;
/** How long a billing window stays usable. */
const BILLING_WINDOW_TTL_MS = 60 * 60 * 1000;
const BILLING_USER_ABORT = { resultCode: 'U999', resultMsg: '사용자가 결제를 취소하셨습니다' };

/** Why the billing window cannot open (an error page with a way back to ReturnURL); the simulator's codes. */
export const BILLING_WINDOW_ERRORS = {
  BAD_FIELD: { code: 'P001', message: '빌키 발급 요청 정보가 올바르지 않습니다' },
  UNKNOWN_MERCHANT: { code: 'P002', message: '등록되지 않은 가맹점(MID)입니다' },
  BAD_VERIFY_VALUE: { code: 'P003', message: '위변조 검증(VerifyValue)에 실패했습니다' },
  CLOSED: { code: 'P004', message: '만료되었거나 이미 처리된 카드 등록창입니다' },
  NO_SSP_MALL_ID: { code: 'P005', message: '빌링(ssp Mall ID)이 등록되지 않은 가맹점입니다' },
  WRONG_SSP_MALL_ID: { code: 'P006', message: 'SspMallID가 가맹점에 등록된 ssp Mall ID와 다릅니다' },
} as const;

function field(body: unknown, name: string): string {
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

/** 생년월일 (YYMMDD, a real day) or 사업자번호 (10 digits). */
function buyerAuthNumOk(text: string): boolean {
  const digits = text.replace(/-/g, '');
  if (/^\d{10}$/.test(digits)) return true;
  if (!/^\d{6}$/.test(digits)) return false;
  const month = Number(digits.slice(2, 4));
  const day = Number(digits.slice(4, 6));
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(2000, month, 0)).getUTCDate();
}

/** `5239-****-****-9001`: the first and last four digits, as the issue callback shows a card. */
export function displayCardNo(digits: string): string {
  return `${digits.slice(0, 4)}-****-****-${digits.slice(-4)}`;
}

/** `MM/YY` (or `MMYY`) → `yyyyMMddHHmm` at the last minute of the card's last valid day. */
function cardExpireStamp(mmYy: string): string {
  const digits = mmYy.replace(/\D/g, '');
  const mm = digits.slice(0, 2);
  const yy = digits.slice(2, 4);
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

  /**
   * Issues a key for a card (the window's 발급 and the control endpoint share it): stores it with
   * the test card's scenario (what its charges do) and answers exactly the fields the billing
   * window posts to ReturnURL, `BillTokenKey` AES-encrypted under the merchant key. The full card
   * number goes no further than this function: the key keeps its masked forms only.
   */
  function issueKey(input: { mid: string; merchantKey: string; digits: string; company: SmartroCardCompany; expiry: string; mallUserId: string; moid: string; buyerName: string }): SmartroBillingIssueCallback {
    const now = clock.now();
    const billTokenKey = `SBK${randomBytes(15).toString('hex').toUpperCase()}`;
    const tid = deps.newTid(input.mid, now);
    const display = displayCardNo(input.digits);
    const key: Omit<BillingKey, 'deleted'> = {
      billTokenKey,
      mid: input.mid,
      issueTid: tid,
      displayCardNo: display,
      maskedCardNumber: maskCardNumber(input.digits),
      cardCompanyCode: input.company.smartroCode,
      cardExpire: cardExpireStamp(input.expiry),
      mallUserId: input.mallUserId,
      scenario: testCardFor(input.digits).scenario,
      createdAt: now.getTime(),
    };
    store.insertBillingKey(key);
    app.log.info({ mid: input.mid, tid, mallUserId: input.mallUserId, card: display }, 'billing key issued');
    return {
      PayMethod: 'CARD',
      Mid: input.mid,
      BuyerName: input.buyerName,
      Moid: input.moid,
      Tid: tid,
      BillTokenKey: aesEncrypt(billTokenKey, input.merchantKey),
      MallUserId: input.mallUserId,
      ResultCode: BILLING_KEY_ISSUED.resultCode,
      ResultMsg: BILLING_KEY_ISSUED.resultMsg,
      MallReserved: '',
      VerifyValue: billIssueVerifyValue(input.mid, billTokenKey, display, BILLING_KEY_ISSUED.resultCode),
      IssuerCardCd: input.company.smartroCode,
      IssuerCardNm: input.company.name,
      DisplayCardNo: display,
      CardExpire: key.cardExpire,
      EncodingType: 'utf8',
      RtnUrlEncUse: 'N',
    };
  }

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
    const kst = ediDate(clock.now());
    const expired = expiryProblem(expiry, Number(kst.slice(0, 4)), Number(kst.slice(4, 6)));
    if (expired) return reply.code(400).send({ field: 'expiry', message: expired });
    const moid = text(body, 'moid') || `billkey${deps.random(10)}`;
    if (!MOID.test(moid)) return reply.code(400).send({ field: 'moid', message: '주문번호는 영문자와 숫자 40자 이내입니다' });
    // Exactly the fields the billing window posts to ReturnURL.
    return reply.code(201).send(issueKey({ mid, merchantKey: known.merchantKey, digits, company, expiry, mallUserId, moid, buyerName: text(body, 'buyerName') }));
  });

  // ---- the billing window ----

  /** What the window posts to ReturnURL when it issued nothing: the buyer closed it, or a refusal. */
  const noKey = (w: BillingWindow, result: { resultCode: string; resultMsg: string }): Record<string, string> => ({
    PayMethod: 'CARD',
    Mid: w.mid,
    Moid: w.moid,
    MallUserId: w.mallUserId,
    ResultCode: result.resultCode,
    ResultMsg: result.resultMsg,
    EncodingType: 'utf8',
    RtnUrlEncUse: 'N',
  });

  /** Ends the window: its result goes to ReturnURL by a form POST in the same frame (PC: the SDK's iframe). */
  const postToMerchant = (reply: FastifyReply, w: BillingWindow, fields: Record<string, string>, message: string) =>
    sendPage(reply, 200, mobileRedirectPage(w.returnUrl, fields, message));

  function closedWindowPage(reply: FastifyReply, w: BillingWindow | undefined) {
    const { code, message } = BILLING_WINDOW_ERRORS.CLOSED;
    return sendPage(reply, 409, authErrorPage({ code, message, pcTargetOrigin: null, stopUrl: w?.returnUrl ?? null, channel: 'mobile' }));
  }

  /** The open window a step was posted from; else the page that says it is gone. */
  function openBillingWindowOf(reply: FastifyReply, body: unknown): BillingWindow | null {
    const id = field(body, 'BillAuthId');
    const w = id ? store.billingWindow(id) : undefined;
    if (!w || !w.open) {
      void closedWindowPage(reply, w);
      return null;
    }
    return w;
  }

  const common = (w: BillingWindow) => ({ billAuthId: w.id, moid: w.moid, mallUserId: w.mallUserId, testMode: w.testMode, skinColor: w.skinColor });
  const identityView = (w: BillingWindow, selected: BillingIdentityView['selected'], errors: BillingIdentityView['errors']): BillingIdentityView => ({
    ...common(w),
    identityCode: w.identityCode,
    selected,
    errors,
  });
  const cardView = (w: BillingWindow, selected: BillingCardView['selected'], errors: BillingCardView['errors']): BillingCardView => ({
    ...common(w),
    companies: SMARTRO_CARD_COMPANIES.map((c) => ({ code: c.smartroCode, name: c.name })),
    isPwdPass: w.isPwdPass,
    refusedCard: BILLING_REFUSED_CARD,
    refusalCodes: { lost: BILLING_ISSUE_CODES.lostCard.resultCode, overseas: BILLING_ISSUE_CODES.overseasCard.resultCode },
    selected,
    errors,
  });

  function abort(reply: FastifyReply, w: BillingWindow) {
    if (!store.closeBillingWindow(w.id)) return closedWindowPage(reply, w);
    return postToMerchant(reply, w, noKey(w, BILLING_USER_ABORT), '카드 등록을 취소했습니다.');
  }

  app.post(SMARTRO_BILLING_WINDOW_PATH, async (req, reply) => {
    const body = req.body;
    const returnUrl = field(body, 'ReturnURL');
    const returnOk = /^https?:\/\/[^\s]+$/.test(returnUrl);
    const refuse = (problem: { code: string; message: string }, detail?: string) =>
      sendPage(
        reply,
        400,
        authErrorPage({
          code: problem.code,
          message: detail ? `${problem.message} (${detail})` : problem.message,
          pcTargetOrigin: null,
          stopUrl: returnOk ? returnUrl : null,
          channel: 'mobile',
        }),
      );
    if (!returnOk) return refuse(BILLING_WINDOW_ERRORS.BAD_FIELD, 'ReturnURL: http(s) URL');
    const mid = field(body, 'MID');
    const known = deps.merchant(mid);
    if (!known) return refuse(BILLING_WINDOW_ERRORS.UNKNOWN_MERCHANT, mid || 'MID 없음');
    if (field(body, 'PayMethod') !== 'CARD') return refuse(BILLING_WINDOW_ERRORS.BAD_FIELD, 'PayMethod: CARD');
    const moid = field(body, 'Moid');
    if (!MOID.test(moid)) return refuse(BILLING_WINDOW_ERRORS.BAD_FIELD, 'Moid: 영문과 숫자만, 40자 이내');
    const mallUserId = field(body, 'MallUserID');
    if (mallUserId === '' || mallUserId.length > 20) return refuse(BILLING_WINDOW_ERRORS.BAD_FIELD, 'MallUserID: 1~20자');
    const edi = field(body, 'EdiDate');
    if (!/^\d{14}$/.test(edi)) return refuse(BILLING_WINDOW_ERRORS.BAD_FIELD, 'EdiDate: YYYYMMDDHHmmss');
    const secureType = field(body, 'SecureType');
    if (secureType !== '' && secureType !== 'S2') return refuse(BILLING_WINDOW_ERRORS.BAD_FIELD, 'SecureType: S2');
    const verify = field(body, 'VerifyValue');
    if (!verify || !sameHash(billIssueRequestVerifyValue(edi, mid, moid), verify)) return refuse(BILLING_WINDOW_ERRORS.BAD_VERIFY_VALUE);
    if (!known.sspMallId) return refuse(BILLING_WINDOW_ERRORS.NO_SSP_MALL_ID, mid);
    if (field(body, 'SspMallID') !== known.sspMallId) return refuse(BILLING_WINDOW_ERRORS.WRONG_SSP_MALL_ID);
    const isPwdPass = field(body, 'IsPwdPass') || 'Y';
    if (isPwdPass !== 'Y' && isPwdPass !== 'N') return refuse(BILLING_WINDOW_ERRORS.BAD_FIELD, 'IsPwdPass: Y 또는 N');

    const now = clock.now().getTime();
    store.dropBillingWindowsOpenedBefore(now - BILLING_WINDOW_TTL_MS);
    const w: BillingWindow = {
      id: randomBytes(18).toString('base64url'),
      mid,
      moid,
      mallUserId,
      returnUrl,
      skinColor: field(body, 'SkinColor') || null,
      isPwdPass,
      // The identity check is once per MallUserID of the merchant (PortOne's Smartro guide).
      identityVerified: store.knownBillingUser(mid, mallUserId),
      identityCode: deps.random(6),
      buyerName: '',
      testMode: field(body, 'SimMode') !== 'REAL',
      openedAt: now,
      open: true,
    };
    store.insertBillingWindow(w);
    if (!w.identityVerified) return sendPage(reply, 200, billingIdentityPage(identityView(w, {}, [])));
    return sendPage(reply, 200, billingCardPage(cardView(w, {}, [])));
  });

  app.post(`${SMARTRO_BILLING_WINDOW_PATH}/identity`, async (req, reply) => {
    const body = req.body;
    const w = openBillingWindowOf(reply, body);
    if (!w) return reply;
    if (field(body, 'Action') === 'cancel') return abort(reply, w);
    if (w.identityVerified) return sendPage(reply, 200, billingCardPage(cardView(w, {}, [])));
    const name = field(body, 'Name');
    const phone = field(body, 'PhoneNo');
    const errors: BillingIdentityView['errors'][number][] = [];
    if (name === '' || name.length > 30) errors.push({ field: 'Name', message: '이름을 입력해 주세요 (30자 이내)' });
    if (!phoneDigits(phone)) errors.push({ field: 'PhoneNo', message: '휴대폰 번호를 확인해 주세요 (예: 010-1234-5678)' });
    if (!sameHash(w.identityCode, field(body, 'AuthCode'))) errors.push({ field: 'AuthCode', message: '인증번호가 일치하지 않습니다' });
    if (errors.length > 0) return sendPage(reply, 400, billingIdentityPage(identityView(w, { name, phone }, errors)));
    store.recordBillingIdentity(w.mid, w.mallUserId, clock.now().getTime());
    if (!store.verifyBillingWindow(w.id, name)) return closedWindowPage(reply, w);
    return sendPage(reply, 200, billingCardPage(cardView({ ...w, identityVerified: true, buyerName: name }, {}, [])));
  });

  app.post(`${SMARTRO_BILLING_WINDOW_PATH}/card`, async (req, reply) => {
    const body = req.body;
    const w = openBillingWindowOf(reply, body);
    if (!w) return reply;
    if (field(body, 'Action') === 'cancel') return abort(reply, w);
    // No card step before the identity step (a form posted past it is shown the identity step).
    if (!w.identityVerified) return sendPage(reply, 400, billingIdentityPage(identityView(w, {}, [])));

    const companyCode = field(body, 'CardCompany');
    const company = cardCompanyBySmartroCode(companyCode);
    const digits = field(body, 'CardNo').replace(/[\s-]/g, '');
    const expiry = field(body, 'Expiry');
    const errors: BillingCardView['errors'][number][] = [];
    if (!company) errors.push({ field: 'CardCompany', message: '카드사를 선택해 주세요' });
    if (!/^\d{14,16}$/.test(digits)) errors.push({ field: 'CardNo', message: '카드번호 14~16자리를 입력해 주세요' });
    else if (!passesLuhn(digits)) errors.push({ field: 'CardNo', message: '올바르지 않은 카드번호입니다. 다시 확인해 주세요' });
    const stamp = ediDate(clock.now());
    const expiryError = expiryProblem(expiry, Number(stamp.slice(0, 4)), Number(stamp.slice(4, 6)));
    if (expiryError) errors.push({ field: 'Expiry', message: expiryError });
    if (!buyerAuthNumOk(field(body, 'BuyerAuthNum'))) errors.push({ field: 'BuyerAuthNum', message: '생년월일 6자리(YYMMDD) 또는 사업자번호 10자리를 입력해 주세요' });
    if (!/^\d{2}$/.test(field(body, 'CardPwd'))) errors.push({ field: 'CardPwd', message: '카드 비밀번호 앞 2자리를 입력해 주세요' });
    if (w.isPwdPass === 'N') {
      const pwd = field(body, 'PayPwd');
      if (!/^\d{6}$/.test(pwd)) errors.push({ field: 'PayPwd', message: '결제 비밀번호 6자리를 입력해 주세요' });
      else if (pwd !== field(body, 'PayPwdConfirm')) errors.push({ field: 'PayPwd', message: '결제 비밀번호 확인이 일치하지 않습니다' });
    }
    if (errors.length > 0 || !company) {
      // Nothing secret is echoed back: the buyer types the card number and passwords again.
      return sendPage(reply, 400, billingCardPage(cardView(w, { company: companyCode, expiry }, errors)));
    }
    if (!store.closeBillingWindow(w.id)) return closedWindowPage(reply, w);
    if (company.scope !== 'domestic') return postToMerchant(reply, w, noKey(w, BILLING_ISSUE_CODES.overseasCard), BILLING_ISSUE_CODES.overseasCard.resultMsg);
    if (digits === BILLING_REFUSED_CARD) return postToMerchant(reply, w, noKey(w, BILLING_ISSUE_CODES.lostCard), BILLING_ISSUE_CODES.lostCard.resultMsg);
    const known = deps.merchant(w.mid);
    if (!known) return closedWindowPage(reply, w);
    const fields = issueKey({ mid: w.mid, merchantKey: known.merchantKey, digits, company, expiry, mallUserId: w.mallUserId, moid: w.moid, buyerName: w.buyerName });
    return postToMerchant(reply, w, { ...fields }, '카드가 등록되었습니다. 가맹점으로 돌아갑니다.');
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
