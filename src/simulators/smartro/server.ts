/**
 * A stand-in for Smartro's hosts (JS host, window host and approval host on one origin), so
 * the whole payment flow runs on one machine with no Smartro contract. It speaks the wire
 * format of `connectors/smartro/wire.ts` and signs with `connectors/smartro/crypto.ts`; it
 * imports nothing else of gyeol. State is in memory: this is an external system, not ours.
 *
 * Request path, top to bottom:
 *   GET  /asset/js/SmartroPAY-1.0.min.js          the browser library (built from browser/)
 *   POST /payment/auth                            tranMgr form → card window (or error page)
 *   POST /payment/auth/card                       card form → Tid + TrAuthKey to the merchant
 *   POST /payment/approval/urlCallApproval.do     JSON {Tid, TrAuthKey} → signed result
 *   POST /payment/approval/approvalInquiry.do     same body → the stored result
 */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { aesEncrypt, encryptData, signValue } from '../../connectors/smartro/crypto';
import {
  APPROVAL_INQUIRY_PATH,
  APPROVAL_PATH,
  authDate,
  cardCompanyBySmartroCode,
  ediDate,
  SMARTRO_CARD_COMPANIES,
  SMARTRO_JS_PATH,
} from '../../connectors/smartro/wire';
import { systemClock, type Clock } from '../../domain/clock';
import { expiryProblem, maskCardNumber, passesLuhn, testCardFor, type TestCard } from './cards';
import { authErrorPage, cardWindowPage, mobileRedirectPage, pcResultPage, type CardWindowView } from './pages';

/** A merchant the simulator knows: its key signs and verifies everything. */
export interface SimulatorMerchant {
  merchantKey: string;
  /** Shown as `CoNm` in approval answers. */
  companyName?: string;
}

/** Anything that finds a merchant by MID; a `Map` will do. */
export interface MerchantDirectory {
  get(mid: string): SimulatorMerchant | undefined;
}

export interface SmartroSimulatorOptions {
  merchants: MerchantDirectory;
  /** Directory holding the built `SmartroPAY-1.0.min.js` (normally `dist/public`). */
  assetDir: string;
  clock?: Clock;
  /** How long `urlCallApproval.do` holds the timeout test card's request. Default 60 s. */
  hangMs?: number;
  /** `true` for Fastify's own pino logger, or a logger to share; silent by default. */
  logger?: boolean | FastifyBaseLogger;
}

/** The simulator app, with a way to add merchants while it runs. */
export type SmartroSimulator = FastifyInstance & {
  /** Registers (or replaces) a merchant; the MID must be 10 characters, as Smartro's are. */
  registerMerchant(mid: string, merchant: SimulatorMerchant): void;
};

/** Simulator-chosen result codes for requests the real Smartro would refuse in ways not published. */
export const SIMULATOR_ERRORS = {
  BAD_REQUEST: { code: 'R001', message: '요청 형식이 올바르지 않습니다' },
  UNKNOWN_TID: { code: 'R002', message: '존재하지 않는 거래입니다' },
  WRONG_AUTH_KEY: { code: 'R003', message: '인증키(TrAuthKey)가 일치하지 않습니다' },
  ALREADY_REQUESTED: { code: 'R004', message: '이미 승인 요청된 거래입니다' },
  AUTH_EXPIRED: { code: 'R005', message: '인증 유효시간이 지났습니다. 다시 결제해 주세요' },
  NOT_APPROVED: { code: 'R006', message: '승인 요청되지 않은 거래입니다' },
  IN_PROGRESS: { code: 'R007', message: '승인 처리 중인 거래입니다' },
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
const TRANSACTION_TTL_MS = 24 * 60 * 60 * 1000;

type Channel = 'pc' | 'mobile';

/** One opened card window: what the merchant signed, kept server-side so the page cannot alter it. */
interface AuthWindow {
  id: string;
  mid: string;
  moid: string;
  amount: number;
  goodsName: string;
  goodsCnt: string;
  buyerName: string;
  buyerTel: string;
  buyerEmail: string;
  mallUserId: string;
  mallReserved: string;
  ediDate: string;
  escrow: boolean;
  returnUrl: string;
  stopUrl: string;
  returnOrigin: string;
  channel: Channel;
  testMode: boolean;
  fnCd: string | null;
  cardQuota: string | null;
  skinColor: string | null;
  englishWindow: boolean;
  openedAt: number;
  open: boolean;
}

/** A transaction after authentication. Holds the masked card number only. */
interface Transaction {
  tid: string;
  trAuthKey: string;
  window: AuthWindow;
  cardCompanyCode: string;
  maskedCardNumber: string;
  quota: string;
  outcome: TestCard;
  issuedAt: number;
  approval: 'pending' | 'in-progress' | 'done';
  answer: Record<string, string> | null;
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

/**
 * Builds the simulator app. Listen on it elsewhere (`app.listen({port, host})`) or use
 * `app.inject()` in tests.
 * @example
 * const sim = buildSmartroSimulator({ merchants: new Map(), assetDir: 'dist/public' });
 * sim.registerMerchant('gyeoldemo1', { merchantKey });
 * await sim.listen({ port: 4001, host: '127.0.0.1' });
 */
export function buildSmartroSimulator(options: SmartroSimulatorOptions): SmartroSimulator {
  const clock = options.clock ?? systemClock;
  const hangMs = options.hangMs ?? 60_000;
  const added = new Map<string, SimulatorMerchant>();
  const windows = new Map<string, AuthWindow>();
  const transactions = new Map<string, Transaction>();
  const hangs = new Set<() => void>();

  const merchant = (mid: string): SimulatorMerchant | undefined => (mid ? (added.get(mid) ?? options.merchants.get(mid)) : undefined);

  const app: FastifyInstance =
    typeof options.logger === 'object'
      ? Fastify({ loggerInstance: options.logger, bodyLimit: 64 * 1024 })
      : Fastify({ logger: options.logger ?? false, bodyLimit: 64 * 1024 });
  void app.register(formbody);

  const registerMerchant = (mid: string, entry: SimulatorMerchant): void => {
    if (mid.length !== 10) throw new Error(`Smartro MIDs are 10 characters; got ${JSON.stringify(mid)}`);
    if (entry.merchantKey.length < 32) throw new Error('Smartro merchant keys have at least 32 characters (the AES key)');
    added.set(mid, entry);
  };
  app.decorate('registerMerchant', registerMerchant);

  // Lets an in-flight "timeout card" request finish when the app closes, so close() never waits hangMs.
  app.addHook('preClose', async () => {
    for (const release of [...hangs]) release();
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

  function sweep(now: number): void {
    for (const [id, w] of windows) if (now - w.openedAt > AUTH_WINDOW_TTL_MS) windows.delete(id);
    for (const [tid, t] of transactions) if (now - t.issuedAt > TRANSACTION_TTL_MS) transactions.delete(tid);
  }

  // ---- errors: JSON on the approval host, a Korean page elsewhere; never a stack trace ----

  const isApprovalHost = (req: FastifyRequest) => req.url.startsWith('/payment/approval/');

  app.setErrorHandler((error: { statusCode?: number }, req, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) req.log.error({ err: error }, 'smartro simulator failure');
    const known = status === 500 ? SIMULATOR_ERRORS.INTERNAL : SIMULATOR_ERRORS.BAD_REQUEST;
    if (isApprovalHost(req)) return reply.code(status).send({ ResultCode: known.code, ResultMsg: known.message });
    return sendHtml(reply, status, authErrorPage({ code: known.code, message: known.message, pcTargetOrigin: null, stopUrl: null, channel: 'pc' }));
  });

  app.setNotFoundHandler((req, reply) => {
    const { code, message } = SIMULATOR_ERRORS.NOT_FOUND;
    if (isApprovalHost(req)) return reply.code(404).send({ ResultCode: code, ResultMsg: message });
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
    if (!moid) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'Moid');
    if (!/^\d{1,12}$/.test(amt) || Number(amt) < 1) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'Amt');
    if (!/^\d{14}$/.test(edi)) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'EdiDate');
    if (!returnOrigin) return refuse(SIMULATOR_ERRORS.MISSING_FIELD, 'ReturnUrl');
    const signature = field(body, 'EncryptData');
    if (!signature || !sameSecret(signature, encryptData(edi, mid, amt, known.merchantKey))) {
      return refuse(SIMULATOR_ERRORS.BAD_ENCRYPT_DATA);
    }
    const fnCd = field(body, 'FnCd');
    const cardQuota = field(body, 'CardQuota');

    const now = clock.now().getTime();
    sweep(now);
    const w: AuthWindow = {
      id: randomBytes(18).toString('base64url'),
      mid,
      moid,
      amount: Number(amt),
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
      openedAt: now,
      open: true,
    };
    windows.set(w.id, w);
    return sendHtml(reply, 200, cardWindowPage(windowView(w, { quota: w.cardQuota ?? '00' }, [])));
  });

  app.post('/payment/auth/card', async (req, reply) => {
    const body = req.body;
    const w = windows.get(field(body, 'AuthId'));
    if (!w || !w.open) {
      const { code, message } = SIMULATOR_ERRORS.AUTH_CLOSED;
      return sendHtml(
        reply,
        409,
        authErrorPage({ code, message, pcTargetOrigin: w?.returnOrigin ?? null, stopUrl: w ? w.stopUrl || w.returnUrl : null, channel: w?.channel ?? 'pc' }),
      );
    }

    if (field(body, 'Action') === 'cancel') {
      w.open = false;
      return finish(reply, w, USER_ABORT, w.stopUrl || w.returnUrl, '결제를 취소했습니다.');
    }

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

    const now = clock.now();
    let tid: string;
    do tid = `${w.mid}0101${authDate(now)}${digits(4)}`;
    while (transactions.has(tid));
    const trAuthKey = randomBytes(24).toString('base64url');
    transactions.set(tid, {
      tid,
      trAuthKey,
      window: w,
      cardCompanyCode: company,
      maskedCardNumber: maskCardNumber(number),
      quota,
      outcome: testCardFor(number),
      issuedAt: now.getTime(),
      approval: 'pending',
      answer: null,
    });
    w.open = false;
    return finish(reply, w, { Tid: tid, TrAuthKey: trAuthKey }, w.returnUrl, '카드 인증이 완료되었습니다. 결제 승인을 진행합니다.');
  });

  // ---- the approval host ----

  function signed(answer: Record<string, string>, mid: string): Record<string, string> {
    const key = merchant(mid)?.merchantKey;
    return { ...answer, SignValue: key ? signValue(answer.Tid, answer.ResultCode, key) : '' };
  }

  function refusal(problem: { code: string; message: string }, tid: string): Record<string, string> {
    // A Tid starts with its MID, so even a refusal about an unknown Tid can be signed.
    const mid = tid.slice(0, 10);
    return signed({ ResultCode: problem.code, ResultMsg: problem.message, Tid: tid, Mid: mid }, mid);
  }

  function decline(t: Transaction, resultCode: string, resultMsg: string): Record<string, string> {
    const w = t.window;
    return signed({ Tid: t.tid, Mid: w.mid, Moid: w.moid, Amt: String(w.amount), ResultCode: resultCode, ResultMsg: resultMsg }, w.mid);
  }

  function approval(t: Transaction): Record<string, string> {
    const w = t.window;
    const key = merchant(w.mid)?.merchantKey ?? '';
    const company = cardCompanyBySmartroCode(t.cardCompanyCode);
    return signed(
      {
        CoNm: merchant(w.mid)?.companyName ?? '결 시뮬레이터 가맹점',
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
        ResultCode: t.outcome.resultCode,
        ResultMsg: t.outcome.resultMsg,
        AuthDate: authDate(clock.now()),
        AuthCode: digits(8),
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
        EscrowCd: w.escrow ? '1' : '0',
        GreenDeposit: '000000000000',
        Currency: 'KRW',
        MerInterestCl: 'N',
        CardType: '0',
        CardOwnerType: '0',
      },
      w.mid,
    );
  }

  /** Finds the transaction a request is about, or the refusal to answer with. */
  function lookup(body: unknown): { t: Transaction } | { status: number; answer: Record<string, string> } {
    const tid = field(body, 'Tid');
    const trAuthKey = field(body, 'TrAuthKey');
    if (!tid || !trAuthKey) {
      const { code, message } = SIMULATOR_ERRORS.BAD_REQUEST;
      return { status: 400, answer: { ResultCode: code, ResultMsg: `${message} (Tid, TrAuthKey 필요)`, Tid: tid } };
    }
    const t = transactions.get(tid);
    if (!t) return { status: 200, answer: refusal(SIMULATOR_ERRORS.UNKNOWN_TID, tid) };
    if (!sameSecret(t.trAuthKey, trAuthKey)) return { status: 200, answer: refusal(SIMULATOR_ERRORS.WRONG_AUTH_KEY, tid) };
    return { t };
  }

  app.post(APPROVAL_PATH, async (req, reply) => {
    const found = lookup(req.body);
    if (!('t' in found)) return reply.code(found.status).send(found.answer);
    const t = found.t;
    // Checked and set before any await: a second call can never approve the same Tid.
    if (t.approval !== 'pending') return reply.send(refusal(SIMULATOR_ERRORS.ALREADY_REQUESTED, t.tid));
    t.approval = 'in-progress';

    let answer: Record<string, string>;
    if (clock.now().getTime() - t.issuedAt > TR_AUTH_KEY_TTL_MS) {
      answer = decline(t, SIMULATOR_ERRORS.AUTH_EXPIRED.code, SIMULATOR_ERRORS.AUTH_EXPIRED.message);
    } else if (t.outcome.scenario === 'timeout') {
      await hold(hangMs);
      answer = decline(t, t.outcome.resultCode, t.outcome.resultMsg);
    } else if (t.outcome.scenario === 'approve') {
      answer = approval(t);
    } else {
      answer = decline(t, t.outcome.resultCode, t.outcome.resultMsg);
    }
    t.answer = answer;
    t.approval = 'done';
    return reply.send(answer);
  });

  app.post(APPROVAL_INQUIRY_PATH, async (req, reply) => {
    const found = lookup(req.body);
    if (!('t' in found)) return reply.code(found.status).send(found.answer);
    const t = found.t;
    if (t.answer) return reply.send(t.answer);
    const problem = t.approval === 'in-progress' ? SIMULATOR_ERRORS.IN_PROGRESS : SIMULATOR_ERRORS.NOT_APPROVED;
    return reply.send(refusal(problem, t.tid));
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
