/**
 * A stand-in for Smartro's hosts (JS host, window host, approval host and receipt host on one
 * origin), so the whole payment flow runs on one machine with no Smartro contract. It speaks the
 * wire format of `connectors/smartro/wire.ts` and signs with `connectors/smartro/crypto.ts`; it
 * imports nothing else of gyeol. It is another company's system, so it keeps its own state in its
 * own SQLite file (store.ts): what it approved survives a restart of either side.
 *
 * Request path, top to bottom:
 *   GET  /asset/js/SmartroPAY-1.0.min.js          the browser library (built from browser/)
 *   POST /payment/auth                            tranMgr form → card window (or error page)
 *   POST /payment/auth/card                       card form → Tid + TrAuthKey to the merchant
 *   POST /payment/auth/{bank,vbank,phone,easypay} the other windows' forms, the same way
 *   POST /payment/approval/urlCallApproval.do     JSON {Tid, TrAuthKey} → signed result
 *   POST /payment/approval/approvalInquiry.do     same body → the stored result
 *   POST /payment/approval/cancel.do              JSON {EncData, Mid} → signed cancel answer (cancel.ts)
 *   POST /payment/approval/cashReceipt{,Cancel}.do cash receipts (receipts.ts; an assumed format)
 *   POST /payment/approval/{vacct,accountHolder,escrowDelivery}.do   server calls (server-calls.ts)
 *   GET  /issue/IssueLoader.jsp?TID=…&type=0      the card receipt page, also of a cancel's Tid (type=2: a cash receipt)
 *   PUT  /sim/merchants/:mid, GET /sim/transactions   test-only control API (not Smartro's)
 *   POST /sim/refunds/:tid/complete               test-only: a pending virtual account refund is done now (cancel.ts)
 */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { aesEncrypt, encryptData, signValue } from '../../connectors/smartro/crypto';
import {
  APPROVAL_INQUIRY_PATH,
  APPROVAL_PATH,
  authDate,
  CANCEL_PATH,
  bankByCode,
  cardCompanyBySmartroCode,
  ediDate,
  parseOfferPeriod,
  parseVbankExpDate,
  SMARTRO_BANKS,
  SMARTRO_CARD_COMPANIES,
  SMARTRO_JS_PATH,
} from '../../connectors/smartro/wire';
import { registerBillingHost } from './billing';
import { CANCEL_ERRORS, registerCancelHost } from './cancel';
import { APPROVED, expiryProblem, maskCardNumber, passesLuhn, resultOf, testCardFor } from './cards';
import { DECLINED_EASY_PAY_LOGIN, EASY_PAY_DECLINE, easyPayAnswer, easyPayBrand, maskLogin, MONEY, readEasyPayForm, registeredCards } from './easypay';
import {
  accountDigits,
  BANK_APPROVED,
  newVbankNumber,
  NOTIFY_ACK,
  VBANK_DEPOSITED,
  VBANK_ISSUED,
  BANK_DECLINE,
  DECLINED_BANK_ACCOUNT,
  DECLINED_PHONE_NUMBER,
  maskPhoneNumber,
  PHONE_APPROVED,
  PHONE_DECLINE,
  phoneDigits,
  SIM_CARRIERS,
  SIM_PAY_METHODS,
  type SimPayMethod,
  type SimScenario,
} from './methods';
import {
  authErrorPage,
  bankWindowPage,
  cardWindowPage,
  easyPayWindowPage,
  type EasyPayWindowView,
  mobileRedirectPage,
  notFoundPage,
  pcResultPage,
  phoneWindowPage,
  receiptPage,
  type BankWindowView,
  type CardWindowView,
  type PhoneWindowView,
  type VbankListRow,
  type VbankWindowView,
  vbankListPage,
  vbankWindowPage,
} from './pages';
import { registerCashReceipts, sendCashReceiptPage } from './receipts';
import { registerServerCalls } from './server-calls';
import { SimulatorStore, trAuthKeyHash, type AuthWindow, type Channel, type Transaction, type TransactionMethod } from './store';

/** The simulator's own notion of time (it shares nothing with gyeol), injectable for tests. */
export interface Clock {
  now(): Date;
}

const systemClock: Clock = { now: () => new Date() };

/**
 * A notification the simulator posts to a merchant's notifyUrl (신통보), with its bookkeeping:
 * a deposit (`4110`) or a refund (`2211`).
 */
export interface Notice {
  /** The transaction it is about (a refund: the refund's own Tid). */
  tid: string;
  mid: string;
  what: 'deposit' | 'refund';
  /** The form fields to post, or null when there is nothing to post (any more). */
  fields(): Record<string, string> | null;
  /** Records one attempt: the HTTP status (null: no answer) and whether it was acknowledged. */
  note(status: number | null, acknowledged: boolean): void;
}

/** A merchant the simulator knows: its key signs and verifies everything. */
export interface SimulatorMerchant {
  merchantKey: string;
  /** Shown as `CoNm` in approval answers and as 상호 on receipts. */
  companyName?: string;
  /** Where deposit notifications (신통보) go, as set in Smartro's merchant admin; none without it. */
  notifyUrl?: string;
  /**
   * Whether the merchant has an escrow contract (default: yes). Without one, an escrow request
   * is processed as a normal payment and answered `EscrowCd: 0`, as Smartro silently does.
   */
  escrowContract?: boolean;
  /**
   * The cancel password (`CancelPwd`, ≤ 6 characters) set in Smartro's merchant admin; gyeol's
   * channel secret `cancelPassword` must be the same. None set: `cancel.do` takes any (so merchants
   * registered before cancels existed keep working).
   */
  cancelPassword?: string;
  /** The escrow API Key for the escrow delivery API (server-calls.ts); none: deliveries are refused. */
  escrowApiKey?: string;
  /** The ssp Mall ID Smartro issued for recurring billing; the billing window checks the form's `SspMallID` against it (billing.ts). None: the billing window refuses the merchant. */
  sspMallId?: string;
}

/** Anything that finds a merchant by MID; a `Map` will do. */
export interface MerchantDirectory {
  get(mid: string): SimulatorMerchant | undefined;
}

export interface SmartroSimulatorOptions {
  /** Merchants known without registration (read live, so the caller may add to it later). */
  merchants?: MerchantDirectory;
  /** Directory holding the built `SmartroPAY-1.0.min.js` (normally `dist/public`). */
  assetDir: string;
  /** The simulator's SQLite file; `':memory:'` (the default) keeps nothing after close. */
  dataFile?: string;
  clock?: Clock;
  /** How long the late-approval and never-answered test cards hold their request. Default 60 s. */
  hangMs?: number;
  /** Delay between notification attempts (Smartro: 1 minute, as PortOne has merchants set it). Default 60 s. */
  notifyRetryMs?: number;
  /** Retries after the first notification attempt (PortOne's setting: 5). */
  notifyRetries?: number;
  /**
   * How long after a paid virtual account's refund was accepted the bank has sent the money and
   * the refund notification (`2211`) goes out. Default 5 s; `POST /sim/refunds/:tid/complete` does it at once.
   */
  refundDelayMs?: number;
  /** `true` for Fastify's own pino logger, or a logger to share; silent by default. */
  logger?: boolean | FastifyBaseLogger;
}

/** The simulator app, with a way to add merchants while it runs. */
export type SmartroSimulator = FastifyInstance & {
  /** Registers (or replaces) a merchant, persisted; the MID must be 10 characters, as Smartro's are. */
  registerMerchant(mid: string, merchant: SimulatorMerchant): void;
};

/**
 * Result codes the simulator answers with. On the approval host, a request the simulator cannot
 * tie to a transaction gets Smartro's only public error shape, unsigned: `{ResultCode: "9999",
 * ResultMsg}` (the message says what was wrong). Answers about a real transaction are signed;
 * their R-codes are the simulator's choice (Smartro's are not public). P-codes are window errors.
 */
export const SIMULATOR_ERRORS = {
  SYSTEM_ERROR: { code: '9999', message: '시스템에러 잠시후 재 거래' },
  BAD_REQUEST: { code: '9999', message: '요청 형식이 올바르지 않습니다 (Tid, TrAuthKey 필요)' },
  NOT_JSON: { code: '9999', message: '요청 본문은 JSON이어야 합니다 (Content-Type: application/json)' },
  UNKNOWN_TID: { code: '9999', message: '존재하지 않는 거래입니다' },
  WRONG_AUTH_KEY: { code: '9999', message: '인증키(TrAuthKey)가 일치하지 않습니다' },
  ALREADY_REQUESTED: { code: 'R004', message: '이미 승인 요청된 거래입니다' },
  AUTH_EXPIRED: { code: 'R005', message: '인증 유효시간이 지났습니다. 다시 결제해 주세요' },
  NOT_APPROVED: { code: 'R006', message: '승인되지 않은 거래입니다' },
  MISSING_FIELD: { code: 'P001', message: '결제 요청 정보가 올바르지 않습니다' },
  UNKNOWN_MERCHANT: { code: 'P002', message: '등록되지 않은 가맹점(Mid)입니다' },
  BAD_ENCRYPT_DATA: { code: 'P003', message: '위변조 검증(EncryptData)에 실패했습니다' },
  AUTH_CLOSED: { code: 'P004', message: '만료되었거나 이미 처리된 결제창입니다' },
  NOT_FOUND: { code: 'P404', message: '요청하신 페이지를 찾을 수 없습니다' },
  INTERNAL: { code: '9999', message: '시스템에러 잠시후 재 거래' },
} as const;

const USER_ABORT = { ResultCode: 'U999', ResultMsg: '사용자가 결제를 취소하셨습니다' };
/** Korean card companies offer installments from 50,000 won. */
const MIN_INSTALLMENT_AMOUNT = 50_000;
const AUTH_WINDOW_TTL_MS = 60 * 60 * 1000;
const TR_AUTH_KEY_TTL_MS = 15 * 60 * 1000;
/** Smartro: "Moid (≤40, no special characters)". */
const MOID_PATTERN = /^[A-Za-z0-9]{1,40}$/;
const DEFAULT_COMPANY_NAME = '결 시뮬레이터 가맹점';

/**
 * Why a merchant cannot be registered, or null.
 * @returns `{field, message}` naming the field and the rule
 */
export function merchantProblem(
  mid: unknown,
  entry: { merchantKey?: unknown; companyName?: unknown; notifyUrl?: unknown; escrowContract?: unknown; cancelPassword?: unknown; escrowApiKey?: unknown; sspMallId?: unknown },
): { field: string; message: string } | null {
  if (typeof mid !== 'string' || mid.length !== 10) return { field: 'mid', message: 'Smartro MID는 10자여야 합니다 (Smartro MIDs are 10 characters)' };
  if (typeof entry.merchantKey !== 'string' || entry.merchantKey.length < 32) {
    return { field: 'merchantKey', message: 'merchantKey는 32자 이상이어야 합니다 (the AES key is its first 32 characters)' };
  }
  if (entry.companyName !== undefined && entry.companyName !== null && (typeof entry.companyName !== 'string' || entry.companyName.length > 100)) {
    return { field: 'companyName', message: 'companyName은 100자 이내의 문자열이어야 합니다' };
  }
  if (entry.notifyUrl !== undefined && entry.notifyUrl !== null && (typeof entry.notifyUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(entry.notifyUrl) || entry.notifyUrl.length > 500)) {
    return { field: 'notifyUrl', message: 'notifyUrl은 http(s) URL이어야 합니다' };
  }
  if (entry.escrowContract !== undefined && typeof entry.escrowContract !== 'boolean') {
    return { field: 'escrowContract', message: 'escrowContract는 true 또는 false여야 합니다' };
  }
  if (entry.cancelPassword !== undefined && entry.cancelPassword !== null && (typeof entry.cancelPassword !== 'string' || !/^.{1,6}$/u.test(entry.cancelPassword))) {
    return { field: 'cancelPassword', message: 'cancelPassword는 1~6자 문자열이어야 합니다 (Smartro 가맹점 관리자의 취소 비밀번호)' };
  }
  if (entry.escrowApiKey !== undefined && entry.escrowApiKey !== null && (typeof entry.escrowApiKey !== 'string' || entry.escrowApiKey === '' || entry.escrowApiKey.length > 200)) {
    return { field: 'escrowApiKey', message: 'escrowApiKey는 200자 이내의 문자열이어야 합니다' };
  }
  if (entry.sspMallId !== undefined && entry.sspMallId !== null && (typeof entry.sspMallId !== 'string' || !/^[A-Za-z0-9_-]{1,50}$/.test(entry.sspMallId))) {
    return { field: 'sspMallId', message: 'sspMallId는 영문자, 숫자, _, - 50자 이내여야 합니다' };
  }
  return null;
}

function field(body: unknown, name: string): string {
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : typeof first === 'number' ? String(first) : '';
}

function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function digits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(0, 10));
  return out;
}

function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}


/** Smartro's error shape for a request it cannot tie to a transaction: no Tid, no SignValue. */
function unsigned(problem: { code: string; message: string }): Record<string, string> {
  return { ResultCode: problem.code, ResultMsg: problem.message };
}

/** Reads an optional amount field of the tranMgr form: absent, or 1–12 digits. */
function optionalAmount(body: unknown, name: string): { value: number | null } | { problem: string } {
  const text = field(body, name);
  if (text === '') return { value: null };
  if (!/^\d{1,12}$/.test(text)) return { problem: `${name}: 숫자만 12자리 이내` };
  return { value: Number(text) };
}

/**
 * Builds the simulator app. Listen on it elsewhere (`app.listen({port, host})`) or use
 * `app.inject()` in tests. Closing the app closes its SQLite file and releases held requests.
 * @example
 * const sim = buildSmartroSimulator({ assetDir: 'dist/public', dataFile: 'data/smartro-sim.sqlite' });
 * sim.registerMerchant('gyeoldemo1', { merchantKey });
 * await sim.listen({ port: 4001, host: '127.0.0.1' });
 */
export function buildSmartroSimulator(options: SmartroSimulatorOptions): SmartroSimulator {
  const clock = options.clock ?? systemClock;
  const hangMs = options.hangMs ?? 60_000;
  const store = new SimulatorStore(options.dataFile ?? ':memory:');
  const hangs = new Set<() => void>();
  const notifyRetryMs = options.notifyRetryMs ?? 60_000;
  const notifyRetries = options.notifyRetries ?? 5;
  const notifyTimers = new Set<NodeJS.Timeout>();
  let closed = false;

  const merchant = (mid: string): SimulatorMerchant | undefined => {
    if (!mid) return undefined;
    const stored = store.merchant(mid);
    if (stored) {
      return {
        merchantKey: stored.merchantKey,
        companyName: stored.companyName ?? undefined,
        notifyUrl: stored.notifyUrl ?? undefined,
        escrowContract: stored.escrowContract ?? true,
        cancelPassword: stored.cancelPassword ?? undefined,
        escrowApiKey: stored.escrowApiKey ?? undefined,
        sspMallId: stored.sspMallId ?? undefined,
      };
    }
    return options.merchants?.get(mid);
  };

  // Fastify's own two lines per request are off: the onResponse hook below writes one. A closing
  // PG drops its connections: a held or half-answered request must not keep close() waiting.
  const common = { bodyLimit: 64 * 1024, forceCloseConnections: true, logController: new LogController({ disableRequestLogging: true }) };
  const app: FastifyInstance =
    typeof options.logger === 'object'
      ? Fastify({ ...common, loggerInstance: options.logger })
      : Fastify({ ...common, logger: options.logger ?? false });
  void app.register(formbody);

  const registerMerchant = (mid: string, entry: SimulatorMerchant): void => {
    const problem = merchantProblem(mid, entry);
    if (problem) throw new Error(`${problem.field}: ${problem.message}`);
    store.putMerchant({
      mid,
      merchantKey: entry.merchantKey,
      companyName: entry.companyName ?? null,
      notifyUrl: entry.notifyUrl ?? null,
      escrowContract: entry.escrowContract ?? true,
      cancelPassword: entry.cancelPassword ?? null,
      escrowApiKey: entry.escrowApiKey ?? null,
      sspMallId: entry.sspMallId ?? null,
    });
  };
  app.decorate('registerMerchant', registerMerchant);

  app.addHook('onResponse', async (req, reply) => {
    // The browser library is fetched on every window; a line each would drown the rest.
    if (req.url.split('?')[0] === SMARTRO_JS_PATH) return;
    req.log.info({ method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  // Held requests end at once when the app closes, so close() never waits hangMs.
  app.addHook('preClose', async () => {
    for (const release of [...hangs]) release();
  });
  app.addHook('onClose', async () => {
    for (const timer of notifyTimers) clearTimeout(timer);
    notifyTimers.clear();
    closed = true;
    store.close();
  });

  function hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        hangs.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      hangs.add(release);
    });
  }

  // ---- errors: JSON on the approval host and the control API, a Korean page elsewhere; never a stack ----

  const isApprovalHost = (req: FastifyRequest) => req.url.startsWith('/payment/approval/');
  const isControlApi = (req: FastifyRequest) => req.url.startsWith('/sim/');

  app.setErrorHandler((error: { statusCode?: number; message?: string }, req, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) req.log.error({ err: error }, 'smartro simulator failure');
    if (isApprovalHost(req)) {
      // An unreadable body is a request the simulator cannot tie to a transaction.
      if (status === 500) return reply.code(500).send(unsigned(SIMULATOR_ERRORS.INTERNAL));
      const badRequest = req.url.startsWith(CANCEL_PATH) ? CANCEL_ERRORS.BAD_REQUEST : SIMULATOR_ERRORS.BAD_REQUEST;
      return reply.code(200).send(unsigned(status === 415 ? SIMULATOR_ERRORS.NOT_JSON : badRequest));
    }
    if (isControlApi(req)) {
      return reply.code(status).send({ message: status === 500 ? SIMULATOR_ERRORS.INTERNAL.message : `요청을 읽을 수 없습니다: ${error.message ?? ''}` });
    }
    const known = status === 500 ? SIMULATOR_ERRORS.INTERNAL : SIMULATOR_ERRORS.MISSING_FIELD;
    return sendHtml(reply, status, authErrorPage({ code: known.code, message: known.message, pcTargetOrigin: null, stopUrl: null, channel: 'pc' }));
  });

  app.setNotFoundHandler((req, reply) => {
    const { code, message } = SIMULATOR_ERRORS.NOT_FOUND;
    if (isApprovalHost(req)) return reply.code(404).send({ ResultCode: code, ResultMsg: message });
    if (isControlApi(req)) return reply.code(404).send({ message });
    return sendHtml(reply, 404, authErrorPage({ code, message, pcTargetOrigin: null, stopUrl: null, channel: 'pc' }));
  });

  // ---- the browser library ----

  app.get(SMARTRO_JS_PATH, async (_req, reply) => {
    const file = path.join(options.assetDir, 'SmartroPAY-1.0.min.js');
    let script: Buffer;
    try {
      script = await readFile(file);
    } catch {
      return reply
        .code(503)
        .type('application/javascript; charset=utf-8')
        .send('console.error("SmartroPAY-1.0.min.js가 아직 빌드되지 않았습니다: node scripts/build.mjs --assets-only");');
    }
    return reply.type('application/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script);
  });

  // ---- the window ----

  function windowView(w: AuthWindow, selected: CardWindowView['selected'], errors: CardWindowView['errors']): CardWindowView {
    const direct = w.fnCd ? cardCompanyBySmartroCode(w.fnCd) : null;
    const companies = (direct ? [direct] : SMARTRO_CARD_COMPANIES).map((c) => ({ code: c.smartroCode, name: c.name }));
    let quotas: number[];
    if (w.cardQuota !== null) quotas = [Number(w.cardQuota)];
    else if (w.amount >= MIN_INSTALLMENT_AMOUNT) quotas = [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    else quotas = [0];
    return {
      authId: w.id,
      goodsName: w.goodsName,
      amount: w.amount,
      moid: w.moid,
      testMode: w.testMode,
      skinColor: w.skinColor,
      englishWindow: w.englishWindow,
      direct: direct ? { name: direct.name, windowsOnly: direct.windowsOnly } : null,
      offerPeriod: w.offerPeriod ?? null,
      companies,
      quotas,
      selected,
      errors,
    };
  }

  /** Ends the window: PC posts to the opener's origin, mobile POSTs on to a merchant URL. */
  function finish(reply: FastifyReply, w: AuthWindow, result: Record<string, string>, mobileTarget: string, message: string) {
    if (w.channel === 'pc') return sendHtml(reply, 200, pcResultPage(w.returnOrigin, result, message));
    return sendHtml(reply, 200, mobileRedirectPage(mobileTarget, result, message));
  }

  function windowClosedPage(reply: FastifyReply, w: AuthWindow | undefined) {
    const { code, message } = SIMULATOR_ERRORS.AUTH_CLOSED;
    return sendHtml(
      reply,
      409,
      authErrorPage({ code, message, pcTargetOrigin: w?.returnOrigin ?? null, stopUrl: w ? w.stopUrl || w.returnUrl : null, channel: w?.channel ?? 'pc' }),
    );
  }

  app.post('/payment/auth', async (req, reply) => {
    const body = req.body;
    const channel: Channel = field(body, 'SimChannel') === 'pc' ? 'pc' : 'mobile';
    const returnUrl = field(body, 'ReturnUrl');
    const stopUrl = field(body, 'StopUrl');
    const returnOrigin = originOf(returnUrl);
    const refuse = (problem: { code: string; message: string }, detail?: string) =>
      sendHtml(
        reply,
        400,
        authErrorPage({
          code: problem.code,
          message: detail ? `${problem.message} (${detail})` : problem.message,
          pcTargetOrigin: returnOrigin,
          stopUrl: originOf(stopUrl) ? stopUrl : returnOrigin ? returnUrl : null,
          channel,
        }),
      );

    const mid = field(body, 'Mid');
    const known = merchant(mid);
    if (!known) return refuse(SIMULATOR_ERRORS.UNKNOWN_MERCHANT, mid || 'Mid 없음');
    const moid = field(body, 'Moid');
    const amt = field(body, 'Amt');
    const edi = field(body, 'EdiDate');
    if (!moid) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'Moid 없음');
    if (!MOID_PATTERN.test(moid)) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'Moid: 영문과 숫자만, 40자 이내');
    if (!/^\d{1,12}$/.test(amt) || Number(amt) < 1) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'Amt: 1 이상의 숫자, 12자리 이내');
    if (!/^\d{14}$/.test(edi)) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'EdiDate: YYYYMMDDHHmmss');
    if (!returnOrigin) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'ReturnUrl: http(s) URL');
    if (!field(body, 'BuyerTel')) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'BuyerTel 없음');
    const taxAmt = optionalAmount(body, 'TaxAmt');
    const taxFreeAmt = optionalAmount(body, 'TaxFreeAmt');
    const vatAmt = optionalAmount(body, 'VatAmt');
    for (const parsed of [taxAmt, taxFreeAmt, vatAmt]) if ('problem' in parsed) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, parsed.problem);
    if (!('value' in taxAmt) || !('value' in taxFreeAmt) || !('value' in vatAmt)) return refuse(SIMULATOR_ERRORS.MISSING_FIELD);
    if (taxFreeAmt.value !== null && taxFreeAmt.value > Number(amt)) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'TaxFreeAmt: Amt 이하');
    const signature = field(body, 'EncryptData');
    if (!signature || !sameSecret(signature, encryptData(edi, mid, amt, known.merchantKey))) {
      return refuse(SIMULATOR_ERRORS.BAD_ENCRYPT_DATA);
    }
    // A form without PayMethod is the card window, as before PayMethod was read.
    const payMethod = (field(body, 'PayMethod') || 'CARD') as SimPayMethod;
    if (!SIM_PAY_METHODS.includes(payMethod)) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, `PayMethod: ${SIM_PAY_METHODS.join(', ')}만 지원합니다`);
    const vbankExp = field(body, 'VbankExpDate');
    if (payMethod === 'VBANK') {
      const deadline = parseVbankExpDate(vbankExp);
      if (!deadline) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'VbankExpDate: yyyyMMdd 또는 yyyyMMddhhmm');
      if (deadline.getTime() <= clock.now().getTime()) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'VbankExpDate: 이미 지난 입금기한입니다');
    }
    const fnCd = payMethod === 'CARD' ? field(body, 'FnCd') : '';
    // 제공기간: shown only when it reads as a period (Smartro shows nothing otherwise).
    const offer = parseOfferPeriod(field(body, 'OfferPeriod'));
    const cardQuota = field(body, 'CardQuota');

    const now = clock.now().getTime();
    store.dropWindowsOpenedBefore(now - AUTH_WINDOW_TTL_MS);
    const w: AuthWindow = {
      id: randomBytes(18).toString('base64url'),
      payMethod,
      mid,
      moid,
      amount: Number(amt),
      taxAmt: taxAmt.value,
      taxFreeAmt: taxFreeAmt.value,
      vatAmt: vatAmt.value,
      goodsName: field(body, 'GoodsName') || '상품',
      goodsCnt: field(body, 'GoodsCnt') || '1',
      buyerName: field(body, 'BuyerName'),
      buyerTel: field(body, 'BuyerTel'),
      buyerEmail: field(body, 'BuyerEmail'),
      mallUserId: field(body, 'MallUserId'),
      mallReserved: field(body, 'MallReserved'),
      ediDate: edi,
      escrow: field(body, 'TransType') === '1',
      returnUrl,
      stopUrl,
      returnOrigin,
      channel,
      testMode: field(body, 'SimMode') !== 'REAL',
      fnCd: cardCompanyBySmartroCode(fnCd) ? fnCd : null,
      cardQuota: fnCd && /^\d{2}$/.test(cardQuota) ? cardQuota : null,
      skinColor: field(body, 'SkinColor') || null,
      englishWindow: field(body, 'OpenType') === 'EN',
      ...(payMethod === 'VBANK' ? { vbankExpDate: vbankExp } : {}),
      ...(offer ? { offerPeriod: offer } : {}),
      openedAt: now,
      open: true,
    };
    store.insertWindow(w);
    switch (w.payMethod) {
      case 'CARD':
        return sendHtml(reply, 200, cardWindowPage(windowView(w, { quota: w.cardQuota ?? '00' }, [])));
      case 'BANK':
        return sendHtml(reply, 200, bankWindowPage(bankView(w, {}, [])));
      case 'VBANK':
        return sendHtml(reply, 200, vbankWindowPage(vbankView(w, {}, [])));
      case 'CELLPHONE':
        return sendHtml(reply, 200, phoneWindowPage(phoneView(w, {}, [])));
      case 'LPAY':
      case 'KAKAO':
      case 'NAVER':
      case 'PAYCO':
      case 'PINPAY':
        return sendHtml(reply, 200, easyPayWindowPage(easyPayView(w, {}, [])));
      default: {
        const unreachable: never = w.payMethod;
        throw new Error(`unknown PayMethod ${String(unreachable)}`);
      }
    }
  });

  function bankView(w: AuthWindow, selected: BankWindowView['selected'], errors: BankWindowView['errors']): BankWindowView {
    const { id: authId, goodsName, amount, moid, testMode, skinColor } = w;
    return { authId, goodsName, amount, moid, testMode, skinColor, offerPeriod: w.offerPeriod ?? null, banks: SMARTRO_BANKS, selected, errors };
  }

  function vbankView(w: AuthWindow, selected: VbankWindowView['selected'], errors: VbankWindowView['errors']): VbankWindowView {
    const { id: authId, goodsName, amount, moid, testMode, skinColor } = w;
    const exp = w.vbankExpDate ?? '';
    const deadline = `${exp.slice(0, 4)}-${exp.slice(4, 6)}-${exp.slice(6, 8)} ${exp.length === 12 ? `${exp.slice(8, 10)}:${exp.slice(10, 12)}` : '23:59'}`;
    return { authId, goodsName, amount, moid, testMode, skinColor, offerPeriod: w.offerPeriod ?? null, banks: SMARTRO_BANKS, deadline, selected, errors };
  }

  function phoneView(w: AuthWindow, selected: PhoneWindowView['selected'], errors: PhoneWindowView['errors']): PhoneWindowView {
    const { id: authId, goodsName, amount, moid, testMode, skinColor } = w;
    return { authId, goodsName, amount, moid, testMode, skinColor, offerPeriod: w.offerPeriod ?? null, carriers: SIM_CARRIERS, selected, errors };
  }

  /** The easy-pay window of the brand the window was opened for (never called for another window). */
  function easyPayView(w: AuthWindow, selected: EasyPayWindowView['selected'], errors: EasyPayWindowView['errors']): EasyPayWindowView {
    const brand = easyPayBrand(w.payMethod);
    if (!brand) throw new Error(`${w.payMethod} is not an easy pay`);
    const { id: authId, goodsName, amount, moid, testMode } = w;
    const cards = registeredCards().map((c) => ({ ...c, allowed: !testMode || brand.testCards === null || brand.testCards.includes(c.code) }));
    const declineCode = EASY_PAY_DECLINE.resultCode;
    return { authId, goodsName, amount, moid, testMode, brand, cards, money: MONEY, declinedLogin: DECLINED_EASY_PAY_LOGIN[brand.login], declineCode, selected, errors };
  }

  /**
   * Issues the Tid and TrAuthKey of an authenticated window and ends it, as Smartro does for
   * every method: the window posts them to the merchant (PC) or on to its ReturnUrl (mobile).
   */
  function issue(
    reply: FastifyReply,
    w: AuthWindow,
    chosen: { cardCompanyCode: string; maskedCardNumber: string; quota: string; method: TransactionMethod; scenario: SimScenario },
    message: string,
  ) {
    const now = clock.now();
    const tid = newTid(w.mid, now);
    const trAuthKey = randomBytes(24).toString('base64url');
    const recorded = store.authenticate({ tid, window: w, ...chosen, issuedAt: now.getTime() }, trAuthKey);
    if (!recorded) return windowClosedPage(reply, w);
    return finish(reply, w, { Tid: tid, TrAuthKey: trAuthKey }, w.returnUrl, message);
  }

  /** The window a form was posted from, when it is still open and of that method; else the page to answer with. */
  function openWindowOf(reply: FastifyReply, body: unknown, payMethod: SimPayMethod | ((m: SimPayMethod) => boolean)): AuthWindow | null {
    const authId = field(body, 'AuthId');
    const w = authId ? store.window(authId) : undefined;
    const ofMethod = (m: SimPayMethod) => (typeof payMethod === 'function' ? payMethod(m) : m === payMethod);
    if (!w || !w.open || !ofMethod(w.payMethod)) {
      void windowClosedPage(reply, w);
      return null;
    }
    return w;
  }

  /** A new Tid (Mid + 0101 + yyMMddHHmmss + 4 digits), unused by any transaction or cancel. */
  function newTid(mid: string, now: Date): string {
    let tid: string;
    do tid = `${mid}0101${authDate(now)}${digits(4)}`;
    while (store.tidTaken(tid));
    return tid;
  }

  function cancelled(reply: FastifyReply, w: AuthWindow) {
    if (!store.closeWindow(w.id)) return windowClosedPage(reply, w);
    return finish(reply, w, USER_ABORT, w.stopUrl || w.returnUrl, '결제를 취소했습니다.');
  }

  app.post('/payment/auth/bank', async (req, reply) => {
    const body = req.body;
    const w = openWindowOf(reply, body, 'BANK');
    if (!w) return reply;
    if (field(body, 'Action') === 'cancel') return cancelled(reply, w);
    const bank = bankByCode(field(body, 'BankCode'));
    const account = accountDigits(field(body, 'AccountNo'));
    const errors: BankWindowView['errors'][number][] = [];
    if (!bank) errors.push({ field: 'BankCode', message: '은행을 선택해 주세요' });
    if (!account) errors.push({ field: 'AccountNo', message: '출금 계좌번호 10~14자리를 입력해 주세요' });
    // The account number is not echoed back, nor stored: the buyer types it again.
    if (!bank || !account) return sendHtml(reply, 400, bankWindowPage(bankView(w, { bank: field(body, 'BankCode') }, errors)));
    return issue(
      reply,
      w,
      {
        cardCompanyCode: '',
        maskedCardNumber: '',
        quota: '00',
        method: { payMethod: 'BANK', bankCode: bank.code, bankName: bank.name },
        scenario: account === DECLINED_BANK_ACCOUNT ? 'bank-decline' : 'approve',
      },
      '계좌 인증이 완료되었습니다. 결제 승인을 진행합니다.',
    );
  });

  app.post('/payment/auth/vbank', async (req, reply) => {
    const body = req.body;
    const w = openWindowOf(reply, body, 'VBANK');
    if (!w) return reply;
    if (field(body, 'Action') === 'cancel') return cancelled(reply, w);
    const bank = bankByCode(field(body, 'BankCode'));
    if (!bank) return sendHtml(reply, 400, vbankWindowPage(vbankView(w, {}, [{ field: 'BankCode', message: '은행을 선택해 주세요' }])));
    // The account is numbered now, with the window's Tid; Smartro issues it when approval is asked.
    return issue(
      reply,
      w,
      {
        cardCompanyCode: '',
        maskedCardNumber: '',
        quota: '00',
        method: { payMethod: 'VBANK', bankCode: bank.code, bankName: bank.name, vbankNum: newVbankNumber(digits), vbankExpDate: w.vbankExpDate ?? '' },
        scenario: 'approve',
      },
      '가상계좌 정보를 확인했습니다. 계좌 발급을 진행합니다.',
    );
  });

  app.post('/payment/auth/phone', async (req, reply) => {
    const body = req.body;
    const w = openWindowOf(reply, body, 'CELLPHONE');
    if (!w) return reply;
    if (field(body, 'Action') === 'cancel') return cancelled(reply, w);
    const carrier = SIM_CARRIERS.find((c) => c.code === field(body, 'Carrier'));
    const phone = phoneDigits(field(body, 'PhoneNo'));
    const errors: PhoneWindowView['errors'][number][] = [];
    if (!carrier) errors.push({ field: 'Carrier', message: '통신사를 선택해 주세요' });
    if (!phone) errors.push({ field: 'PhoneNo', message: '휴대폰 번호를 확인해 주세요 (예: 010-1234-5678)' });
    if (!carrier || !phone) {
      return sendHtml(reply, 400, phoneWindowPage(phoneView(w, { carrier: field(body, 'Carrier'), phone: field(body, 'PhoneNo') }, errors)));
    }
    return issue(
      reply,
      w,
      {
        cardCompanyCode: '',
        maskedCardNumber: '',
        quota: '00',
        method: { payMethod: 'CELLPHONE', carrier: carrier.code, maskedPhoneNumber: maskPhoneNumber(phone) },
        scenario: phone === DECLINED_PHONE_NUMBER ? 'phone-decline' : 'approve',
      },
      '휴대폰 인증이 완료되었습니다. 결제 승인을 진행합니다.',
    );
  });

  // One handler for every easy-pay brand: the window remembers which one it is (easypay.ts).
  app.post('/payment/auth/easypay', async (req, reply) => {
    const body = req.body;
    const w = openWindowOf(reply, body, (m) => easyPayBrand(m) !== null);
    if (!w) return reply;
    if (field(body, 'Action') === 'cancel') return cancelled(reply, w);
    const brand = easyPayBrand(w.payMethod);
    if (!brand) return windowClosedPage(reply, w);
    const form = { login: field(body, 'Login'), funding: field(body, 'Funding') };
    const read = readEasyPayForm(brand, form, w.testMode);
    if (!read.ok) return sendHtml(reply, 400, easyPayWindowPage(easyPayView(w, form, read.errors)));
    const byCard = read.funding.kind === 'card' ? read.funding : null;
    return issue(
      reply,
      w,
      {
        cardCompanyCode: byCard?.cardCompanyCode ?? '',
        maskedCardNumber: byCard?.maskedCardNumber ?? '',
        quota: '00',
        method: { payMethod: brand.payMethod, funding: read.funding.kind, maskedLogin: maskLogin(brand, read.login) },
        scenario: read.declined ? 'easypay-decline' : 'approve',
      },
      `${brand.name} 인증이 완료되었습니다. 결제 승인을 진행합니다.`,
    );
  });

  app.post('/payment/auth/card', async (req, reply) => {
    const body = req.body;
    const w = openWindowOf(reply, body, 'CARD');
    if (!w) return reply;
    if (field(body, 'Action') === 'cancel') return cancelled(reply, w);

    const view = windowView(w, {}, []);
    const company = field(body, 'CardCompany');
    const number = field(body, 'CardNo').replace(/[\s-]/g, '');
    const expiry = field(body, 'Expiry');
    const quota = field(body, 'Quota') || '00';
    const errors: CardWindowView['errors'][number][] = [];
    if (!view.companies.some((c) => c.code === company)) errors.push({ field: 'CardCompany', message: '카드사를 선택해 주세요' });
    if (!/^\d{16}$/.test(number)) errors.push({ field: 'CardNo', message: '카드번호 16자리를 입력해 주세요' });
    else if (!passesLuhn(number)) errors.push({ field: 'CardNo', message: '올바르지 않은 카드번호입니다. 다시 확인해 주세요' });
    const stamp = ediDate(clock.now());
    const expiryError = expiryProblem(expiry, Number(stamp.slice(0, 4)), Number(stamp.slice(4, 6)));
    if (expiryError) errors.push({ field: 'Expiry', message: expiryError });
    if (!view.quotas.some((q) => String(q).padStart(2, '0') === quota)) {
      errors.push({ field: 'Quota', message: '선택할 수 없는 할부개월입니다 (할부는 50,000원 이상)' });
    }
    if (errors.length > 0) {
      // The card number is not echoed back: the buyer types it again.
      return sendHtml(reply, 400, cardWindowPage(windowView(w, { company, expiry, quota }, errors)));
    }

    return issue(
      reply,
      w,
      { cardCompanyCode: company, maskedCardNumber: maskCardNumber(number), quota, method: { payMethod: 'CARD' }, scenario: testCardFor(number).scenario },
      '카드 인증이 완료되었습니다. 결제 승인을 진행합니다.',
    );
  });

  // ---- the approval host ----

  /** A signed answer about a real transaction: SignValue = SHA256(Tid[0:10]+ResultCode+Tid[10:15]+MerchantKey+Tid[15:]). */
  function signed(answer: Record<string, string>, mid: string): Record<string, string> {
    const key = merchant(mid)?.merchantKey;
    return { ...answer, SignValue: key ? signValue(answer.Tid, answer.ResultCode, key) : '' };
  }

  function refusal(problem: { code: string; message: string }, t: Transaction): Record<string, string> {
    return signed({ ResultCode: problem.code, ResultMsg: problem.message, Tid: t.tid, Mid: t.window.mid }, t.window.mid);
  }

  function decline(t: Transaction, resultCode: string, resultMsg: string): Record<string, string> {
    const w = t.window;
    return signed({ Tid: t.tid, Mid: w.mid, Moid: w.moid, Amt: String(w.amount), ResultCode: resultCode, ResultMsg: resultMsg }, w.mid);
  }

  /** The result code and the method's own fields of a non-card approval. */
  function otherAnswer(t: Transaction, method: Exclude<TransactionMethod, { payMethod: 'CARD' }>): { result: { resultCode: string; resultMsg: string }; own: Record<string, string> } {
    switch (method.payMethod) {
      case 'BANK':
        return { result: BANK_APPROVED, own: { BankCode: method.bankCode, BankName: method.bankName } };
      case 'VBANK':
        return { result: VBANK_ISSUED, own: { VbankBankCode: method.bankCode, VbankName: method.bankName, VbankNum: method.vbankNum, VbankExpDate: method.vbankExpDate } };
      case 'CELLPHONE':
        return { result: PHONE_APPROVED, own: { Carrier: method.carrier, PhoneNo: method.maskedPhoneNumber } };
      case 'LPAY':
      case 'KAKAO':
      case 'NAVER':
      case 'PAYCO':
      case 'PINPAY':
        // 3001 with the registered card's fields, or 0000 with none (wire.ts).
        return easyPayAnswer(method.funding === 'card' ? { kind: 'card', cardCompanyCode: t.cardCompanyCode, maskedCardNumber: t.maskedCardNumber } : { kind: 'money' });
      default: {
        const unreachable: never = method;
        throw new Error(`unknown method ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /**
   * A bank transfer's, virtual account's, phone payment's or easy pay's approval: the common
   * fields of the card answer, the method's result code, and its own fields (`BankCode`/`BankName`,
   * `Vbank*`, `Carrier`/`PhoneNo`, an easy pay's card fields), which are the simulator's choice:
   * Smartro's are not public.
   */
  function otherApproval(t: Transaction, at: Date, authCode: string, method: Exclude<TransactionMethod, { payMethod: 'CARD' }>): Record<string, string> {
    const w = t.window;
    const known = merchant(w.mid);
    const key = known?.merchantKey ?? '';
    const { result, own } = otherAnswer(t, method);
    return signed(
      {
        CoNm: known?.companyName ?? DEFAULT_COMPANY_NAME,
        Tid: t.tid,
        MerchantReserved: '',
        ResultCode: result.resultCode,
        ResultMsg: result.resultMsg,
        AuthDate: authDate(at),
        AuthCode: authCode,
        GoodsName: w.goodsName,
        GoodsCnt: w.goodsCnt,
        Amt: String(w.amount),
        Moid: w.moid,
        Mid: w.mid,
        MallUserId: w.mallUserId,
        BuyerName: w.buyerName,
        PayMethod: method.payMethod,
        BuyerEmail: w.buyerEmail && key ? aesEncrypt(w.buyerEmail, key) : '',
        MallReserved: w.mallReserved,
        EdiDate: w.ediDate,
        BuyerTel: w.buyerTel,
        EscrowCd: escrowCd(w),
        Currency: 'KRW',
        ...own,
      },
      w.mid,
    );
  }

  /** What Smartro did about escrow: `1` only when asked and the merchant has an escrow contract. */
  function escrowCd(w: AuthWindow): '0' | '1' {
    return w.escrow && merchant(w.mid)?.escrowContract !== false ? '1' : '0';
  }

  function approval(t: Transaction, at: Date, authCode: string): Record<string, string> {
    if (t.method.payMethod !== 'CARD') return otherApproval(t, at, authCode, t.method);
    const w = t.window;
    const known = merchant(w.mid);
    const key = known?.merchantKey ?? '';
    const company = cardCompanyBySmartroCode(t.cardCompanyCode);
    return signed(
      {
        CoNm: known?.companyName ?? DEFAULT_COMPANY_NAME,
        Tid: t.tid,
        MerchantReserved: '',
        CardQuota: t.quota,
        AppCardCode: t.cardCompanyCode,
        AppCardName: company?.name ?? '',
        AcquCardCode: t.cardCompanyCode,
        AcquCardName: company?.name ?? '',
        CardMerchantNo: `7${w.mid.split('').reduce((n, ch) => (n * 31 + ch.charCodeAt(0)) % 100_000_000, 7).toString().padStart(8, '0')}`,
        CardNum: t.maskedCardNumber,
        UsePoint: '000000000',
        BalancePoint: '000000000',
        CardInterest: '0',
        ResultCode: APPROVED.resultCode,
        ResultMsg: APPROVED.resultMsg,
        AuthDate: authDate(at),
        AuthCode: authCode,
        GoodsName: w.goodsName,
        GoodsCnt: w.goodsCnt,
        Amt: String(w.amount),
        Moid: w.moid,
        Mid: w.mid,
        MallUserId: w.mallUserId,
        BuyerName: w.buyerName,
        PayMethod: 'CARD',
        BuyerEmail: w.buyerEmail && key ? aesEncrypt(w.buyerEmail, key) : '',
        ParentEmail: `P_$IS_PC=${w.channel === 'pc' ? 'Y' : 'N'}&P_$CARD_CL=0`,
        SubId: '',
        MallReserved: w.mallReserved,
        EdiDate: w.ediDate,
        BuyerAuthNum: '',
        BuyerTel: w.buyerTel,
        EscrowCd: escrowCd(w),
        GreenDeposit: '000000000000',
        Currency: 'KRW',
        MerInterestCl: 'N',
        CardType: t.scenario === 'check-card' ? '1' : '0',
        CardOwnerType: '0',
      },
      w.mid,
    );
  }

  /** Finds the transaction a request is about, or the unsigned 9999 answer to give. */
  function lookup(req: FastifyRequest): { t: Transaction } | { refusal: Record<string, string> } {
    // Smartro's approval host takes JSON only; a connector that sends a form gets the 9999 body.
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json') return { refusal: unsigned(SIMULATOR_ERRORS.NOT_JSON) };
    const tid = field(req.body, 'Tid');
    const trAuthKey = field(req.body, 'TrAuthKey');
    if (!tid || !trAuthKey) return { refusal: unsigned(SIMULATOR_ERRORS.BAD_REQUEST) };
    const found = store.transaction(tid);
    if (!found) return { refusal: unsigned(SIMULATOR_ERRORS.UNKNOWN_TID) };
    if (!sameSecret(found.trAuthKeySha256, trAuthKeyHash(trAuthKey))) return { refusal: unsigned(SIMULATOR_ERRORS.WRONG_AUTH_KEY) };
    return { t: found };
  }

  app.post(APPROVAL_PATH, async (req, reply) => {
    const found = lookup(req);
    if ('refusal' in found) return reply.send(found.refusal);
    const t = found.t;
    const alreadyRequested = () => reply.send(refusal(SIMULATOR_ERRORS.ALREADY_REQUESTED, t));
    if (t.approval !== 'pending') return alreadyRequested();
    const now = clock.now();

    if (now.getTime() - t.issuedAt > TR_AUTH_KEY_TTL_MS) {
      const { code, message } = SIMULATOR_ERRORS.AUTH_EXPIRED;
      const answer = decline(t, code, message);
      const settled = store.settle(t.tid, { approval: 'declined', resultCode: code, resultMsg: message, approvedAt: null, authCode: null, answer });
      return settled ? reply.send(answer) : alreadyRequested();
    }

    switch (t.scenario) {
      case 'approve':
      case 'check-card':
      case 'late-approval': {
        const authCode = digits(8);
        const answer = approval(t, now, authCode);
        // Stored before the answer leaves: from here on the money is taken, whatever the network does.
        const settled = store.settle(t.tid, {
          approval: 'approved',
          resultCode: answer.ResultCode,
          resultMsg: answer.ResultMsg,
          approvedAt: now.getTime(),
          authCode,
          answer,
        });
        if (!settled) return alreadyRequested();
        if (t.scenario === 'late-approval') {
          req.log.info({ tid: t.tid, hangMs }, 'approved; holding the answer (test card: late approval)');
          await hold(hangMs);
        }
        return reply.send(answer);
      }
      case 'system-error': {
        const { code, message } = SIMULATOR_ERRORS.SYSTEM_ERROR;
        const settled = store.settle(t.tid, { approval: 'not-approved', resultCode: code, resultMsg: message, approvedAt: null, authCode: null, answer: null });
        return settled ? reply.send(unsigned(SIMULATOR_ERRORS.SYSTEM_ERROR)) : alreadyRequested();
      }
      case 'never-answered': {
        const settled = store.settle(t.tid, { approval: 'not-approved', resultCode: null, resultMsg: null, approvedAt: null, authCode: null, answer: null });
        if (!settled) return alreadyRequested();
        req.log.info({ tid: t.tid, hangMs }, 'holding, then dropping the connection with no answer (test card: never answered)');
        reply.hijack();
        await hold(hangMs);
        req.raw.socket?.destroy();
        return reply;
      }
      case 'card-company-decline':
      case 'insufficient-balance':
      case 'lost-or-stolen':
      case 'bank-decline':
      case 'phone-decline':
      case 'easypay-decline': {
        const declined =
          t.scenario === 'bank-decline' ? BANK_DECLINE : t.scenario === 'phone-decline' ? PHONE_DECLINE : t.scenario === 'easypay-decline' ? EASY_PAY_DECLINE : resultOf(t.scenario);
        const answer = decline(t, declined.resultCode, declined.resultMsg);
        const settled = store.settle(t.tid, {
          approval: 'declined',
          resultCode: declined.resultCode,
          resultMsg: declined.resultMsg,
          approvedAt: null,
          authCode: null,
          answer,
        });
        return settled ? reply.send(answer) : alreadyRequested();
      }
      default: {
        const unreachable: never = t.scenario;
        throw new Error(`unknown scenario ${String(unreachable)}`);
      }
    }
  });

  app.post(APPROVAL_INQUIRY_PATH, async (req, reply) => {
    const found = lookup(req);
    if ('refusal' in found) return reply.send(found.refusal);
    const t = found.t;
    if (t.answer) return reply.send(t.answer);
    return reply.send(refusal(SIMULATOR_ERRORS.NOT_APPROVED, t));
  });

  // ---- cash receipts (receipts.ts) ----

  const receiptDeps = { store, now: () => clock.now(), merchantKey: (mid: string) => merchant(mid)?.merchantKey, hold, hangMs, companyName: (mid: string) => merchant(mid)?.companyName ?? DEFAULT_COMPANY_NAME };
  registerCashReceipts(app, receiptDeps);

  // ---- the receipt host ----

  app.get('/issue/IssueLoader.jsp', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const tid = typeof query.TID === 'string' ? query.TID : '';
    if (query.type === '2') return sendCashReceiptPage(receiptDeps, tid, reply);
    // A cancel's Tid shows the slip of that cancel (취소전표) of its card payment.
    const cancelled = tid && query.type === '0' ? store.cancel(tid) : undefined;
    const t = tid && query.type === '0' ? store.transaction(cancelled?.originalTid ?? tid) : undefined;
    // The sales slip (type=0) exists for card transactions only.
    if (!t || t.method.payMethod !== 'CARD' || t.approval !== 'approved' || !t.answer || t.approvedAt === null) {
      return sendHtml(reply, 404, notFoundPage('영수증을 찾을 수 없습니다', '승인된 카드 거래가 아니거나 존재하지 않는 거래번호(TID)입니다.'));
    }
    const w = t.window;
    return sendHtml(
      reply,
      200,
      receiptPage({
        companyName: t.answer.CoNm || DEFAULT_COMPANY_NAME,
        goodsName: w.goodsName,
        tid: cancelled?.tid ?? t.tid,
        moid: w.moid,
        authCode: t.authCode ?? '',
        approvedAt: authDate(new Date(t.approvedAt)),
        cardName: cardCompanyBySmartroCode(t.cardCompanyCode)?.name ?? '',
        maskedCardNumber: t.maskedCardNumber,
        quota: Number(t.quota),
        // A cancel's tax split is not kept: its slip splits the cancelled amount by the usual rule.
        ...(cancelled
          ? { amount: cancelled.amount, taxAmt: null, taxFreeAmt: null, vatAmt: null, cancel: { originalTid: t.tid, cancelledAt: authDate(new Date(cancelled.cancelledAt)) } }
          : { amount: w.amount, taxAmt: w.taxAmt, taxFreeAmt: w.taxFreeAmt, vatAmt: w.vatAmt }),
      }),
    );
  });

  // ---- the control API (test-only; the real Smartro has nothing like it) ----

  app.put<{ Params: { mid: string } }>('/sim/merchants/:mid', async (req, reply) => {
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return reply.code(400).send({ field: 'body', message: '본문은 JSON 객체 {merchantKey, companyName?} 이어야 합니다' });
    }
    const entry = body as { merchantKey?: unknown; companyName?: unknown; notifyUrl?: unknown; escrowContract?: unknown; cancelPassword?: unknown; escrowApiKey?: unknown; sspMallId?: unknown };
    const problem = merchantProblem(req.params.mid, entry);
    if (problem) return reply.code(400).send(problem);
    const companyName = typeof entry.companyName === 'string' ? entry.companyName : null;
    const notifyUrl = typeof entry.notifyUrl === 'string' ? entry.notifyUrl : null;
    const escrowContract = entry.escrowContract !== false;
    const cancelPassword = typeof entry.cancelPassword === 'string' ? entry.cancelPassword : null;
    const escrowApiKey = typeof entry.escrowApiKey === 'string' ? entry.escrowApiKey : null;
    const sspMallId = typeof entry.sspMallId === 'string' ? entry.sspMallId : null;
    const outcome = store.putMerchant({ mid: req.params.mid, merchantKey: entry.merchantKey as string, companyName, notifyUrl, escrowContract, cancelPassword, escrowApiKey, sspMallId });
    // Secrets: the answer says only whether the cancel password and the escrow API Key are set.
    return reply
      .code(outcome === 'created' ? 201 : 200)
      .send({ mid: req.params.mid, companyName, notifyUrl, escrowContract, cancelPasswordSet: cancelPassword !== null, escrowApiKey: escrowApiKey !== null, sspMallId });
  });

  // ---- virtual account deposits (test-only: in reality the buyer's bank sends the money) ----

  const kst = (ms: number) => {
    const d = ediDate(new Date(ms));
    return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)} ${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}`;
  };

  /** The list page's rows: every issued account, whether it still takes a deposit, what became of one. */
  function vbankRows(): VbankListRow[] {
    const now = clock.now().getTime();
    return store.issuedVbanks().flatMap(({ t, deposit }) => {
      if (t.method.payMethod !== 'VBANK') return [];
      const exp = t.method.vbankExpDate;
      return [
        {
          tid: t.tid,
          moid: t.window.moid,
          amount: t.window.amount,
          bankName: t.method.bankName,
          vbankNum: t.method.vbankNum,
          deadline: `${exp.slice(0, 4)}-${exp.slice(4, 6)}-${exp.slice(6, 8)} ${exp.length === 12 ? `${exp.slice(8, 10)}:${exp.slice(10, 12)}` : '23:59'}`,
          expired: pastDeadline(t, now),
          revoked: store.cancelsOf(t.tid).some((c) => c.kind === 'revoke'),
          deposit: deposit ? { at: kst(deposit.depositedAt), attempts: deposit.attempts, acknowledged: deposit.acknowledged } : null,
        },
      ];
    });
  }

  /** Whether an account's `VbankExpDate` is past at `at` (the bank then takes no deposit). */
  function pastDeadline(t: Transaction, at: number): boolean {
    const deadline = t.method.payMethod === 'VBANK' ? parseVbankExpDate(t.method.vbankExpDate) : null;
    return deadline !== null && deadline.getTime() < at;
  }

  app.get('/sim/vbank', async (_req, reply) => sendHtml(reply, 200, vbankListPage(vbankRows())));

  /** The issued account of a Tid, or the control API's 404/409 answer. */
  function issuedAccount(reply: FastifyReply, tid: string): Transaction | null {
    const t = store.transaction(tid);
    if (!t || t.method.payMethod !== 'VBANK') {
      void reply.code(404).send({ message: '발급된 가상계좌가 아닙니다' });
      return null;
    }
    if (t.approval !== 'approved') {
      void reply.code(409).send({ message: '아직 발급(승인)되지 않은 가상계좌입니다' });
      return null;
    }
    return t;
  }

  app.post<{ Params: { tid: string } }>('/sim/vbank/:tid/deposit', async (req, reply) => {
    const t = issuedAccount(reply, req.params.tid);
    if (!t) return reply;
    const at = clock.now().getTime();
    // The page's 입금하기 form wants the list back (with the refusal, if any); the API gets JSON.
    const fromPage = (req.headers.accept ?? '').includes('text/html');
    const refuse = (message: string) => (fromPage ? sendHtml(reply, 409, vbankListPage(vbankRows(), message)) : reply.code(409).send({ message }));
    // The bank takes no money on an account past its deadline.
    if (pastDeadline(t, at)) return refuse('입금기한이 지난 가상계좌입니다. 입금할 수 없습니다');
    // A cancel of an unpaid account removed its number (채번 취소): the bank takes nothing on it.
    if (store.cancelsOf(t.tid).some((c) => c.kind === 'revoke')) return refuse('취소(채번 취소)된 가상계좌입니다. 입금할 수 없습니다');
    if (!store.recordDeposit(t.tid, at)) return refuse('이미 입금된 가상계좌입니다');
    void notify(t, 0);
    if (fromPage) return reply.code(303).header('location', '/sim/vbank').send();
    return reply.code(201).send({ tid: t.tid, depositedAt: new Date(at).toISOString() });
  });

  // Smartro's admin can send a notification again (재통보); so can the control API.
  app.post<{ Params: { tid: string } }>('/sim/vbank/:tid/notify', async (req, reply) => {
    const t = issuedAccount(reply, req.params.tid);
    if (!t) return reply;
    if (!store.vbankDeposit(t.tid)) return reply.code(409).send({ message: '입금되지 않은 가상계좌입니다' });
    const acknowledged = await sendNotification(t);
    return reply.send({ tid: t.tid, acknowledged });
  });

  /**
   * The deposit notification (신통보) of an account, form-encoded UTF-8. Smartro's 신통보 field
   * names are not public: these are the simulator's choice, shared with the connector.
   */
  function depositNotification(t: Transaction, depositedAt: number): Record<string, string> {
    const w = t.window;
    const method = t.method.payMethod === 'VBANK' ? t.method : null;
    return signed(
      {
        Mid: w.mid,
        Tid: t.tid,
        Moid: w.moid,
        Amt: String(w.amount),
        PayMethod: 'VBANK',
        ResultCode: VBANK_DEPOSITED.resultCode,
        ResultMsg: VBANK_DEPOSITED.resultMsg,
        AuthDate: authDate(new Date(depositedAt)),
        VbankBankCode: method?.bankCode ?? '',
        VbankName: method?.bankName ?? '',
        VbankNum: method?.vbankNum ?? '',
        BuyerName: w.buyerName,
        GoodsName: w.goodsName,
      },
      w.mid,
    );
  }

  /** The deposit notification of an account, as a {@link Notice}. */
  function depositNotice(t: Transaction): Notice {
    return {
      tid: t.tid,
      mid: t.window.mid,
      what: 'deposit',
      fields: () => {
        const deposit = store.vbankDeposit(t.tid);
        return deposit ? depositNotification(t, deposit.depositedAt) : null;
      },
      note: (status, acknowledged) => store.noteNotification(t.tid, status, acknowledged),
    };
  }

  /** Posts a notification once; true when the merchant acknowledged it (`200` with body `OK`). */
  async function post(notice: Notice): Promise<boolean> {
    const url = merchant(notice.mid)?.notifyUrl;
    const fields = notice.fields();
    if (!fields || !url || closed) return false;
    let status: number | null = null;
    let acknowledged = false;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(fields),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      acknowledged = res.status === 200 && (await res.text()).trim() === NOTIFY_ACK;
    } catch (err) {
      app.log.warn({ tid: notice.tid, err: (err as Error).message }, `${notice.what} notification got no answer`);
    }
    if (closed) return acknowledged;
    notice.note(status, acknowledged);
    return acknowledged;
  }

  function sendNotification(t: Transaction): Promise<boolean> {
    return post(depositNotice(t));
  }

  /**
   * Sends a notification, retrying every `notifyRetryMs` up to `notifyRetries` times until acknowledged.
   * @returns whether the first attempt was acknowledged (retries go on in the background)
   */
  async function deliver(notice: Notice, retry = 0): Promise<boolean> {
    const acknowledged = await post(notice);
    if (acknowledged || retry >= notifyRetries || closed) return acknowledged;
    later(notifyRetryMs, () => void deliver(notice, retry + 1));
    return false;
  }

  async function notify(t: Transaction, retry: number): Promise<void> {
    await deliver(depositNotice(t), retry);
  }

  /** Runs `fn` after `ms` unless the app closes first. */
  function later(ms: number, fn: () => void): void {
    if (closed) return;
    const timer = setTimeout(() => {
      notifyTimers.delete(timer);
      fn();
    }, ms);
    notifyTimers.add(timer);
  }

  registerCancelHost(app, { store, clock, merchant, newTid, deliver, later, refundDelayMs: options.refundDelayMs ?? 5_000 });
  registerServerCalls(app, { store, merchant, clock, random: digits, hold: () => hold(hangMs) });
  registerBillingHost(app, { store, merchant, clock, newTid, random: digits, hold: () => hold(hangMs) });

  app.get('/sim/transactions', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const text = (name: string) => (typeof query[name] === 'string' && query[name] !== '' ? (query[name] as string) : undefined);
    const filter = { tid: text('tid'), moid: text('moid'), mid: text('mid') };
    if (!filter.tid && !filter.moid && !filter.mid) {
      return reply.code(400).send({ field: 'moid', message: 'tid, moid, mid 중 하나 이상으로 조회해 주세요' });
    }
    return reply.send({ transactions: store.listTransactions(filter) });
  });

  return app as unknown as SmartroSimulator;
}

/**
 * Registers (or replaces) a merchant on a running simulator, e.g. the demo channel's MID and
 * key from the gateway's configuration.
 * @throws Error when the MID is not 10 characters or the key is shorter than 32
 */
export function registerSmartroMerchant(app: SmartroSimulator, mid: string, merchantKey: string, companyName?: string): void {
  app.registerMerchant(mid, { merchantKey, companyName });
}
