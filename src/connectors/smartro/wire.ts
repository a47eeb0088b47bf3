/**
 * Smartro's own wire format (SmartroPAY "신모듈", PortOne `smartro_v2`): the `tranMgr` form the
 * payment window submits, the `urlCallApproval.do` request and answer, Smartro's 2-digit card
 * company codes, and its date formats. Field names are Smartro's and stay PascalCase on purpose.
 *
 * The simulator imports this file too, so that both sides of the wire agree by construction.
 * It must stay free of imports from the rest of gyeol, but for the standard code tables
 * (domain/standard-codes.ts: data only, importing nothing), which Smartro uses as they are.
 */
import { BANK_CODES, type StandardCode } from '../../domain/standard-codes';

/** Fields of the `tranMgr` form that `smartropay.payment` submits to Smartro's auth host. */
export interface TranMgrFields {
  PayMethod: SmartroPayMethod;
  GoodsCnt: string;
  /** At most 40 characters. */
  GoodsName: string;
  /** Integer amount as digits, at most 12. */
  Amt: string;
  /** The merchant's order id (V1 `merchant_uid`, cut to its first 40 characters): letters and digits. */
  Moid: string;
  /** 10 characters. */
  Mid: string;
  ReturnUrl: string;
  StopUrl: string;
  BuyerName: string;
  BuyerTel: string;
  BuyerEmail: string;
  /** `yyyyMMddHHmmss`, Korea time. */
  EdiDate: string;
  /** base64(SHA256(EdiDate + Mid + Amt + MerchantKey)). */
  EncryptData: string;
  UserIp: string;
  /** `0` normal, `1` escrow. */
  TransType: '0' | '1';
  /** `0` digital content, `1` physical goods. */
  GoodsCl: '0' | '1';
  /** `utf8` or `euckr`; gyeol always sends UTF-8. */
  EncodingType: 'utf8';
  /** Supply value (amount − tax free − VAT), sent with VatAmt and TaxFreeAmt when the merchant sets tax. */
  TaxAmt?: string;
  VatAmt?: string;
  TaxFreeAmt?: string;
  /** Fixed installment (`00` lump sum, `02`…), only together with FnCd. */
  CardQuota?: string;
  /** Smartro's 2-digit card company code to open that company's window directly. */
  FnCd?: string;
  MallUserId?: string;
  SkinColor?: SmartroSkinColor;
  OpenType?: SmartroOpenType;
  /** A virtual account's deposit deadline: `yyyyMMdd` (the end of that day) or `yyyyMMddhhmm`, Korea time. */
  VbankExpDate?: string;
  /** 제공기간 (V1 `period`), in the format of {@link offerPeriod} — our assumption. */
  OfferPeriod?: string;
}

/**
 * Smartro's `PayMethod` values for the windows gyeol opens (the protocol reference §3.1 lists
 * CARD, BANK, VBANK, CELLPHONE and the easy-pay brands), keyed by the V1 `pay_method`.
 */
export const SMARTRO_PAY_METHODS = {
  card: 'CARD',
  trans: 'BANK',
  vbank: 'VBANK',
  phone: 'CELLPHONE',
  lpay: 'LPAY',
  kakaopay: 'KAKAO',
  naverpay: 'NAVER',
  payco: 'PAYCO',
  pinpay: 'PINPAY',
} as const;
export type SmartroPayMethod = (typeof SMARTRO_PAY_METHODS)[keyof typeof SMARTRO_PAY_METHODS];

/** Smartro's `PayMethod` of each easy-pay brand (간편결제), keyed by the V1 `pay_method`. */
export const SMARTRO_EASY_PAY_METHODS = {
  lpay: SMARTRO_PAY_METHODS.lpay,
  kakaopay: SMARTRO_PAY_METHODS.kakaopay,
  naverpay: SMARTRO_PAY_METHODS.naverpay,
  payco: SMARTRO_PAY_METHODS.payco,
  pinpay: SMARTRO_PAY_METHODS.pinpay,
} as const;
export type SmartroEasyPayMethod = (typeof SMARTRO_EASY_PAY_METHODS)[keyof typeof SMARTRO_EASY_PAY_METHODS];

/**
 * The answer to an easy-pay approval (PayMethod LPAY, KAKAO, NAVER, PAYCO, PINPAY). Smartro does not
 * publish it; this is our choice, shared with the simulator (see its README):
 * - paid with a card the buyer registered with the brand: result `3001` (the card success code)
 *   with the card fields of a card answer (`AppCardCode`/`AppCardName`, `AcquCardCode`/
 *   `AcquCardName`, masked `CardNum`, `CardQuota`, `CardType`, `AuthCode`);
 * - paid with the brand's own money or points: result `0000` (the code Smartro answers for its own
 *   easy pay, SS-Pay, protocol reference §4) and no card fields.
 * Either way `PayMethod` is the brand's (`KAKAO`…), the one the window was opened with.
 */
export const EASY_PAY_MONEY_APPROVED = { resultCode: '0000', resultMsg: '간편결제 성공' } as const;

export const SMARTRO_SKIN_COLORS = ['RED', 'GREEN', 'BLUE', 'PURPLE'] as const;
export type SmartroSkinColor = (typeof SMARTRO_SKIN_COLORS)[number];

/** `EN` opens the foreign-card window. */
export const SMARTRO_OPEN_TYPES = ['KR', 'EN'] as const;
export type SmartroOpenType = (typeof SMARTRO_OPEN_TYPES)[number];

/** Body of `POST /payment/approval/urlCallApproval.do` and `approvalInquiry.do`. */
export interface SmartroApprovalRequest {
  Tid: string;
  TrAuthKey: string;
}

/**
 * The answer of `urlCallApproval.do`. The field set follows a real test answer published in a
 * merchant integration (see the protocol reference §3.1); all values arrive as strings there.
 * Only `ResultCode`, `ResultMsg`, `Tid` and `SignValue` are present on every answer; a decline
 * may carry just a few fields.
 */
export interface SmartroApprovalResponse {
  ResultCode: string;
  ResultMsg?: string;
  Tid: string;
  SignValue: string;
  Mid?: string;
  Moid?: string;
  Amt?: string | number;
  CoNm?: string;
  MerchantReserved?: string;
  CardQuota?: string;
  AppCardCode?: string;
  AppCardName?: string;
  AcquCardCode?: string;
  AcquCardName?: string;
  CardMerchantNo?: string;
  /** Masked by Smartro, e.g. `40921675****082*`. */
  CardNum?: string;
  UsePoint?: string;
  BalancePoint?: string;
  CardInterest?: string;
  /** `yyMMddHHmmss`, Korea time. */
  AuthDate?: string;
  AuthCode?: string;
  GoodsName?: string;
  GoodsCnt?: string;
  MallUserId?: string;
  BuyerName?: string;
  PayMethod?: string;
  /** Comes back AES-encrypted (the EncData cipher) and base64-encoded. */
  BuyerEmail?: string;
  ParentEmail?: string;
  SubId?: string;
  MallReserved?: string;
  EdiDate?: string;
  BuyerAuthNum?: string;
  BuyerTel?: string;
  EscrowCd?: string;
  GreenDeposit?: string;
  Currency?: string;
  MerInterestCl?: string;
  /** `0` in the published sample; read as V1 `card_type` (0 credit, 1 check) — an inference. */
  CardType?: string;
  CardOwnerType?: string;
  /**
   * A bank transfer's bank (3-digit KFTC code and name). Smartro's bank-transfer answer fields are
   * not public: these names are our choice, shared with the simulator (see its README).
   */
  BankCode?: string;
  BankName?: string;
  /**
   * An issued virtual account (result `4100`). `VbankNum` and `VbankName`/`VbankBankName` are
   * inferred from Smartro's notification and `vacct.do` answers (protocol reference §3.1, §3.3);
   * `VbankBankCode` (the 3-digit code `vacct.do` takes) and `VbankExpDate` (echoing the window's
   * deadline) are our choice, shared with the simulator (see its README).
   */
  VbankNum?: string;
  VbankName?: string;
  VbankBankName?: string;
  VbankBankCode?: string;
  VbankExpDate?: string;
}

/**
 * The wire body of the calls Smartro wraps in its AES envelope (cancel, vacct, cash receipts,
 * holder lookup, escrow delivery, billing):
 * JSON `{EncData, Mid}`, `EncData` = base64(AES-256-CBC(JSON of the inner fields)) (crypto.ts).
 */
export interface SmartroEnvelopeBody {
  EncData: string;
  Mid: string;
}

/**
 * The inner fields of `cancel.do` (protocol reference §3.2). Amounts are digits.
 *
 * The refund account fields (`RefundAcctNm`, `RefundBankCd`, `RefundAcctNo`, `RefundTel`) are our
 * assumption: Smartro's names for them are not public. They are sent only to refund a bank
 * transfer or a paid virtual account (V1 `refund_holder`, `refund_bank`, `refund_account`,
 * `refund_tel`); the bank code is the 3-digit KFTC code, as everywhere else on Smartro's wire.
 */
export interface SmartroCancelRequest {
  SERVICE_MODE: 'CL1';
  /** The payment's own (original) Tid. */
  Tid: string;
  Mid: string;
  CancelAmt: string;
  /** The cancel password set in Smartro's merchant admin. */
  CancelPwd: string;
  CancelMsg: string;
  /** 1, 2, … per cancel of the payment; with `Tid` the key of a cancel (a re-send answers the first answer again). */
  CancelSeq: string;
  /** `0`: this cancel takes the whole payment in one go; `1`: any other (a part, or the rest after parts). */
  PartialCancelCode: SmartroPartialCancelCode;
  /** Supply value of the cancelled amount (amount − tax free − VAT). */
  CancelTaxAmt: string;
  CancelTaxFreeAmt: string;
  CancelVatAmt: string;
  /** base64(SHA256(Tid + MerchantKey + CancelAmt + PartialCancelCode)). */
  HashData: string;
  RefundAcctNm?: string;
  RefundBankCd?: string;
  RefundAcctNo?: string;
  RefundTel?: string;
}

export type SmartroPartialCancelCode = '0' | '1';

/**
 * `PartialCancelCode` of a cancel: `0` only when it takes the whole payment at once.
 * @example partialCancelCode({ paymentAmount: 1004, cancelledBefore: 0, amount: 1004 }) // '0'
 * @example partialCancelCode({ paymentAmount: 1004, cancelledBefore: 4, amount: 1000 }) // '1' (the rest after a part)
 */
export function partialCancelCode(cancel: { paymentAmount: number; cancelledBefore: number; amount: number }): SmartroPartialCancelCode {
  return cancel.cancelledBefore === 0 && cancel.amount === cancel.paymentAmount ? '0' : '1';
}

/**
 * The answer of `cancel.do`. The reference gives its first fields (`PayMethod, Tid, Mid,
 * ResultCode, ResultMsg, CancelDate, CancelTime`) and `PTid`; the rest is our choice, shared with
 * the simulator (see its README):
 * - every accepted cancel gets a new `Tid` of its own (the reference says so of partial cancels;
 *   we do it for every cancel); `PTid` is the payment's original Tid;
 * - a refusal about a known payment is signed too, with `Tid` = `PTid` = the payment's Tid (no new
 *   Tid is issued);
 * - `SignValue` = signValue(Tid, ResultCode, MerchantKey) as on every Smartro answer;
 * - `CancelAmt` echoes the amount asked.
 * A request Smartro cannot tie to a payment gets its unsigned `{ResultCode: "9999", ResultMsg}`.
 */
export interface SmartroCancelResponse {
  PayMethod?: string;
  Tid: string;
  Mid?: string;
  ResultCode: string;
  ResultMsg?: string;
  /** `yyyyMMdd`, Korea time. */
  CancelDate?: string;
  /** `HHmmss`, Korea time. */
  CancelTime?: string;
  CancelAmt?: string | number;
  PTid?: string;
  SignValue: string;
}

/**
 * The refund notification (신통보, result `2211`) of a paid virtual account's refund: our choice
 * of fields, as for the deposit notification (`Mid`, `Tid` = the refund's own Tid, `OTID` = the
 * payment's Tid, `Amt`, `AuthDate` yyMMddHHmmss, `ResultCode`, `ResultMsg`, `SignValue` over the
 * refund's Tid). `OTID` is the name a production 구통보 handler reads (protocol reference §3.3).
 */
export const REFUND_COMPLETED = { resultCode: '2211', resultMsg: '환불 성공' } as const;

export const CANCEL_PATH = '/payment/approval/cancel.do';
export const APPROVAL_PATH = '/payment/approval/urlCallApproval.do';
export const APPROVAL_INQUIRY_PATH = '/payment/approval/approvalInquiry.do';
export const SMARTRO_JS_PATH = '/asset/js/SmartroPAY-1.0.min.js';
export const RECEIPT_PATH = '/issue/IssueLoader.jsp';

/** Smartro's receipt page of a transaction (`type=0`: the card sales slip). */
export function receiptUrl(receiptBaseUrl: string, tid: string): string {
  return `${receiptBaseUrl.replace(/\/+$/, '')}${RECEIPT_PATH}?TID=${encodeURIComponent(tid)}&type=0`;
}

/** A card company as Smartro codes it, and the code PortOne V1 reports as `card_code`. */
export interface SmartroCardCompany {
  /** Smartro's 2-digit code (`FnCd`, `AppCardCode`, `AcquCardCode`). */
  smartroCode: string;
  /** The name shown to buyers and reported as the card name. */
  name: string;
  /**
   * The code PortOne V1 reports as `card_code` and takes as `card.direct.code`: the KFTC 3-digit
   * code of a domestic company, PortOne's own 1000x code of an overseas brand
   * (reference codes/portone_v1_card_codes.csv).
   */
  kftcCode: string;
  /**
   * Older V1 codes for the same company (the iamport client's `VIS`, `MAS`, `DIN`, `AMX`, `JCB`,
   * `UNI`): accepted as `card.direct.code`, never reported; the payment says `kftcCode`.
   */
  aliases: readonly string[];
  scope: 'domestic' | 'overseas';
  /**
   * Whether the Smartro code is confirmed by a real Smartro answer. Smartro's code table
   * (통합코드) is not public: only `12` = NH농협 has been seen. The other codes are our
   * assumption, patterned on the NICE-style 2-digit table that agrees with that one point, and a
   * channel can correct them without a release (settings `cardCodes`, see credentials.ts).
   */
  confirmed: boolean;
  /** PortOne: a direct call of this company works only on Windows (Jeonbuk, KakaoBank). */
  windowsOnly: boolean;
}

function company(smartroCode: string, kftcCode: string, name: string, extra: Partial<Pick<SmartroCardCompany, 'aliases' | 'scope' | 'confirmed' | 'windowsOnly'>> = {}): SmartroCardCompany {
  return { smartroCode, kftcCode, name, aliases: [], scope: 'domestic', confirmed: false, windowsOnly: false, ...extra };
}

/**
 * Every card company of PortOne V1's card code table, with Smartro's code for it. One table for
 * the connector (`FnCd`, `card_code`/`card_name`), the rules and the simulator. Smartro code `30`
 * (해외은련) is our pick: the NICE-style table we follow gives 은련 no code we could read, and 30
 * is unused there, next to the other overseas brands (25–29).
 */
export const SMARTRO_CARD_COMPANIES: readonly SmartroCardCompany[] = [
  company('01', '361', 'BC'),
  company('02', '381', 'KB국민'),
  company('03', '374', '하나'),
  company('04', '365', '삼성'),
  company('06', '366', '신한'),
  company('07', '367', '현대'),
  company('08', '368', '롯데'),
  company('11', '370', '씨티'),
  company('12', '371', 'NH농협', { confirmed: true }),
  company('13', '369', '수협'),
  company('15', '041', '우리'),
  company('21', '364', '광주'),
  company('22', '372', '전북', { windowsOnly: true }),
  company('23', '373', '제주'),
  company('32', '071', '우체국'),
  company('33', '045', '새마을'),
  company('34', '002', 'KDB산업'),
  company('35', '090', '카카오뱅크', { windowsOnly: true }),
  company('36', '089', 'K뱅크'),
  company('38', '048', '신협'),
  company('25', '10005', '해외비자', { scope: 'overseas', aliases: ['VIS'] }),
  company('26', '10004', '해외마스터', { scope: 'overseas', aliases: ['MAS'] }),
  company('27', '10002', '해외다이너스', { scope: 'overseas', aliases: ['DIN'] }),
  company('28', '10003', '해외아멕스', { scope: 'overseas', aliases: ['AMX'] }),
  company('29', '10006', '해외JCB', { scope: 'overseas', aliases: ['JCB'] }),
  company('30', '10001', '해외은련', { scope: 'overseas', aliases: ['UNI'] }),
];

/**
 * The card table with a channel's corrections of Smartro codes applied (V1 code → Smartro code).
 * A corrected row counts as confirmed: an operator set it from Smartro's real table.
 * @example withSmartroCardCodes({ '366': '41' }).find((c) => c.kftcCode === '366')?.smartroCode // '41'
 */
export function withSmartroCardCodes(overrides: Readonly<Record<string, string>> | undefined): readonly SmartroCardCompany[] {
  if (!overrides || Object.keys(overrides).length === 0) return SMARTRO_CARD_COMPANIES;
  return SMARTRO_CARD_COMPANIES.map((c) => (overrides[c.kftcCode] !== undefined ? { ...c, smartroCode: overrides[c.kftcCode], confirmed: true } : c));
}

/**
 * Smartro's `OfferPeriod` (제공기간) from V1 `period` (`{from, to}`, both `YYYYMMDD`):
 * `YYYYMMDD-YYYYMMDD`. The field appears in merchant samples; its value format is documented
 * nowhere we could read, so this format is our assumption (README, simulator README).
 */
export function offerPeriod(period: { from: string; to: string }): string {
  return `${period.from}-${period.to}`;
}

/** Reads an `OfferPeriod` (`YYYYMMDD-YYYYMMDD`); null when it is not that form. */
export function parseOfferPeriod(text: string | null | undefined): { from: string; to: string } | null {
  const match = typeof text === 'string' ? /^(\d{8})-(\d{8})$/.exec(text) : null;
  return match ? { from: match[1], to: match[2] } : null;
}

/**
 * A bank as Smartro codes it. Smartro uses the 3-digit KFTC codes (protocol reference §6), the
 * same codes PortOne V1 reports as `bank_code`, so the code passes through unchanged; the name is
 * the one PortOne's bank code table gives (PortOne's `pg-1.mdx` lists smartro among the PGs using
 * these codes). That table is V1's own (`GET /banks`): Smartro's banks are its rows, not a copy.
 */
export type SmartroBank = StandardCode;

export const SMARTRO_BANKS: readonly SmartroBank[] = BANK_CODES;

/** Looks a bank up by its KFTC code (Smartro's `BankCode`, V1's `bank_code`). */
export function bankByCode(code: string | null | undefined): SmartroBank | null {
  if (!code) return null;
  return SMARTRO_BANKS.find((b) => b.code === code) ?? null;
}

/** Looks a card company up by Smartro's 2-digit code (in `table`, a channel's corrected one). */
export function cardCompanyBySmartroCode(code: string | null | undefined, table: readonly SmartroCardCompany[] = SMARTRO_CARD_COMPANIES): SmartroCardCompany | null {
  if (!code) return null;
  return table.find((c) => c.smartroCode === code) ?? null;
}

/** Looks a card company up by its V1 code (`card_code`, or a legacy alias such as `VIS`). */
export function cardCompanyByKftcCode(code: string | null | undefined, table: readonly SmartroCardCompany[] = SMARTRO_CARD_COMPANIES): SmartroCardCompany | null {
  if (!code) return null;
  return table.find((c) => c.kftcCode === code || c.aliases.includes(code)) ?? null;
}

// Smartro stamps dates in Korea time. Korea has had no daylight saving time since 1988, so a
// fixed +9 h offset is exact and does not depend on the machine's TZ or its tz database.
const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

function kstParts(date: Date): string[] {
  const k = new Date(date.getTime() + KST_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return [
    String(k.getUTCFullYear()).padStart(4, '0'),
    pad(k.getUTCMonth() + 1),
    pad(k.getUTCDate()),
    pad(k.getUTCHours()),
    pad(k.getUTCMinutes()),
    pad(k.getUTCSeconds()),
  ];
}

/** `EdiDate`: `yyyyMMddHHmmss` in Korea time. */
export function ediDate(now: Date): string {
  return kstParts(now).join('');
}

/** `AuthDate` and the time part of a Tid: `yyMMddHHmmss` in Korea time. */
export function authDate(now: Date): string {
  return kstParts(now).join('').slice(2);
}

/**
 * Reads a Smartro `yyMMddHHmmss` Korea-time stamp (e.g. `AuthDate`). Years are 20yy.
 * @returns the instant, or null when the text is not a valid stamp
 */
export function parseAuthDate(text: string | null | undefined): Date | null {
  if (typeof text !== 'string' || !/^\d{12}$/.test(text)) return null;
  const [yy, mo, dd, hh, mi, ss] = [0, 2, 4, 6, 8, 10].map((i) => Number(text.slice(i, i + 2)));
  const utc = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss) - KST_OFFSET_MS;
  const back = new Date(utc);
  // Date.UTC silently rolls 31 February into March; a stamp that does not round-trip is invalid.
  if (authDate(back) !== text) return null;
  return back;
}

/**
 * A virtual account's `VbankExpDate` from a normalized `vbank_due` (`YYYYMMDDhhmmss`, Korea time):
 * `yyyyMMdd` when it is the end of a day (Smartro's default meaning), else `yyyyMMddhhmm` (the
 * finer form Smartro's guide gives; its seconds are dropped, so a deadline only moves earlier).
 */
export function vbankExpDate(due: string): string {
  return due.endsWith('235959') ? due.slice(0, 8) : due.slice(0, 12);
}

/**
 * Reads a cancel answer's `CancelDate` (`yyyyMMdd`) and `CancelTime` (`HHmmss`), Korea time.
 * @returns the instant, or null when either is missing or names no real date/time
 */
export function parseCancelStamp(date: string | null | undefined, time: string | null | undefined): Date | null {
  if (typeof date !== 'string' || typeof time !== 'string' || !/^20\d{6}$/.test(date) || !/^\d{6}$/.test(time)) return null;
  return parseAuthDate(date.slice(2) + time);
}

/**
 * Reads a `VbankExpDate` (`yyyyMMdd` = 23:59:59 that day, or `yyyyMMddhhmm`), Korea time.
 * @returns the instant, or null when the text is neither form or names no real date/time
 */
export function parseVbankExpDate(text: string | null | undefined): Date | null {
  if (typeof text !== 'string' || !/^\d{8}(\d{4})?$/.test(text)) return null;
  const [y, mo, d] = [Number(text.slice(0, 4)), Number(text.slice(4, 6)), Number(text.slice(6, 8))];
  const [h, mi, s] = text.length === 8 ? [23, 59, 59] : [Number(text.slice(8, 10)), Number(text.slice(10, 12)), 0];
  if (h > 23 || mi > 59) return null;
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - KST_OFFSET_MS);
  // Date.UTC rolls 31 February into March; a date that does not round-trip is invalid.
  if (ediDate(at).slice(0, 8) !== text.slice(0, 8)) return null;
  return at;
}

// ---- cash receipts (현금영수증) ----
//
// Smartro's cash-receipt issue and cancel API is not public (protocol reference §8.7). gyeol's
// assumption, shared with the simulator (see its README): two JSON calls on the approval host,
// shaped like `cancel.do` — body `{Mid, EncData}` where EncData is the AES envelope (crypto.ts) of
// the fields below, proved by `EncryptData` = SHA256(EdiDate + Mid + Amt + MerchantKey) as the
// payment form is; the answer is signed with `SignValue` over the receipt's own Tid. Result
// `7001` = issued (the only public receipt code, §4); `2001` = cancelled, `2013` = already cancelled.

export const RECEIPT_ISSUE_PATH = '/payment/approval/cashReceipt.do';
export const RECEIPT_CANCEL_PATH = '/payment/approval/cashReceiptCancel.do';
export const RECEIPT_ISSUED = { resultCode: '7001', resultMsg: '현금영수증 발급 성공' } as const;
export const RECEIPT_CANCELLED = { resultCode: '2001', resultMsg: '현금영수증 발급 취소 성공' } as const;
export const RECEIPT_ALREADY_CANCELLED = { resultCode: '2013', resultMsg: '이미 취소된 현금영수증입니다' } as const;
/** Smartro's receipt page type of a cash receipt (`IssueLoader.jsp?type=2`; `0` is the card slip). */
export const CASH_RECEIPT_PAGE_TYPE = '2';

/** `ReceiptType` (as `vacct.do`'s `CashReceiptType`): 1 소득공제, 2 지출증빙. */
export type SmartroReceiptType = '1' | '2';
/** `ReceiptIdentityType` (our assumption): 1 phone, 2 주민등록번호, 3 사업자등록번호, 4 현금영수증 카드. */
export type SmartroReceiptIdentityType = '1' | '2' | '3' | '4';

/** The fields inside the EncData of `cashReceipt.do`. */
export interface SmartroReceiptIssueFields {
  Mid: string;
  Moid: string;
  /** The original payment's Tid; empty for a sale made elsewhere. */
  OrgTid: string;
  /** `BANK` or `VBANK`. */
  PayMethod: string;
  GoodsName: string;
  Amt: string;
  SupplyAmt: string;
  VatAmt: string;
  TaxFreeAmt: string;
  ReceiptType: SmartroReceiptType;
  ReceiptIdentityType: SmartroReceiptIdentityType;
  /** Digits only. */
  ReceiptIdentity: string;
  BuyerName: string;
  BuyerTel: string;
  BuyerEmail: string;
  EdiDate: string;
  EncryptData: string;
}

/** The fields inside the EncData of `cashReceiptCancel.do`. */
export interface SmartroReceiptCancelFields {
  Mid: string;
  /** The receipt's own Tid. */
  Tid: string;
  Moid: string;
  CancelAmt: string;
  CancelMsg: string;
  EdiDate: string;
  EncryptData: string;
}

/** Answer of `cashReceipt.do` (signed when it names a Tid). */
export interface SmartroReceiptIssueResponse {
  ResultCode: string;
  ResultMsg?: string;
  Tid: string;
  SignValue: string;
  Moid?: string;
  Amt?: string;
  /** 국세청 승인번호 (V1 `apply_num`). */
  ReceiptAppNo?: string;
  ReceiptType?: string;
  /** `yyMMddHHmmss`, Korea time. */
  AuthDate?: string;
}

/** Answer of `cashReceiptCancel.do`. */
export interface SmartroReceiptCancelResponse {
  ResultCode: string;
  ResultMsg?: string;
  Tid: string;
  SignValue: string;
  /** `yyMMddHHmmss`, Korea time. */
  CancelDate?: string;
}

/** Smartro's page of a cash receipt. */
export function cashReceiptUrl(receiptBaseUrl: string, tid: string): string {
  return `${receiptBaseUrl.replace(/\/+$/, '')}${RECEIPT_PATH}?TID=${encodeURIComponent(tid)}&type=${CASH_RECEIPT_PAGE_TYPE}`;
}
// ---- server calls beyond the window: vacct.do, the account holder lookup, escrow delivery ----

export const VACCT_PATH = '/payment/approval/vacct.do';

/**
 * The inner fields of `vacct.do` (protocol reference §3.3, from Smartro's manual and a merchant
 * integration), before they are sealed in the EncData envelope.
 */
export interface SmartroVacctRequest {
  PayMethod: 'VBANK';
  GoodsCnt: string;
  GoodsName: string;
  Amt: string;
  Moid: string;
  EdiDate: string;
  Mid: string;
  /** `00` a new account number; `04` the merchant's fixed account, given as `SubId`. */
  TransType: '00' | '04';
  SubId?: string;
  BuyerName: string;
  BuyerTel: string;
  BuyerEmail: string;
  /** `yyyyMMdd` (23:59:59 that day) or `yyyyMMddhhmm`, Korea time (see {@link vbankExpDate}). */
  VbankExpDate: string;
  /** 3-digit KFTC bank code. */
  VbankBankCode: string;
  /** The holder name the buyer sees. */
  VBankAccountName: string;
  /** `0`: no cash receipt (V1 cannot ask one for a virtual account). */
  CashReceiptType: '0';
  TaxAmt?: string;
  VatAmt?: string;
  TaxFreeAmt?: string;
}

/**
 * The answer of `vacct.do`. Smartro's manual gives `ResultCode` (`4100` issued), `ResultMsg`,
 * `Tid`, `Moid`, `VbankName`, `VbankNum`. `SignValue` (the formula of every other answer), `Mid`,
 * `Amt`, `AuthDate`, `VbankBankCode` and `VbankExpDate` are our assumption, shared with the
 * simulator (its README): gyeol needs the signature to trust the answer, and the rest to record
 * what was issued.
 */
export interface SmartroVacctResponse {
  ResultCode: string;
  ResultMsg?: string;
  Tid?: string;
  Moid?: string;
  Mid?: string;
  Amt?: string;
  AuthDate?: string;
  VbankName?: string;
  VbankNum?: string;
  VbankBankCode?: string;
  VbankExpDate?: string;
  VBankAccountName?: string;
  SignValue?: string;
}

/**
 * Banks Smartro's test environment cannot issue a virtual account for (PortOne's Smartro caution
 * page: K뱅크, KB, 전북, 광주, 대구). The simulator declines `vacct.do` for them with
 * {@link VACCT_TEST_BANK_REFUSED}.
 */
export const VACCT_TEST_UNAVAILABLE_BANKS: readonly string[] = ['089', '004', '037', '034', '031'];
/** The simulator's refusal code for those banks (Smartro's own code is not public). */
export const VACCT_TEST_BANK_REFUSED = { resultCode: 'V301', resultMsg: '테스트 환경에서 가상계좌를 발급할 수 없는 은행입니다' } as const;

/**
 * Account holder lookup (V1 `GET /vbanks/holder`). Smartro's API for it is not public: this path,
 * its envelope (EncData of {@link SmartroAccountHolderRequest}) and its answer are our design,
 * shared with the simulator (its README).
 */
export const ACCOUNT_HOLDER_PATH = '/payment/approval/accountHolder.do';

export interface SmartroAccountHolderRequest {
  Mid: string;
  EdiDate: string;
  /** 3-digit KFTC bank code. */
  BankCode: string;
  /** Digits only. */
  AccountNum: string;
}

/** `H000` found (with `AccountHolder`), `H404` no such account; our codes. Signed over `AccountNum` in the Tid place. */
export interface SmartroAccountHolderResponse {
  ResultCode: string;
  ResultMsg?: string;
  AccountHolder?: string;
  SignValue?: string;
}

export const ACCOUNT_HOLDER_FOUND = { resultCode: 'H000', resultMsg: '예금주 조회 성공' } as const;
export const ACCOUNT_HOLDER_NOT_FOUND = { resultCode: 'H404', resultMsg: '계좌정보를 찾을 수 없습니다' } as const;

/**
 * Escrow delivery registration and modification. Smartro's escrow API is not public (protocol
 * reference §3.5); PortOne says a Smartro escrow channel needs an "API Key". Our design, shared
 * with the simulator (its README): `POST` on the approval host with header `apikey: <API Key>`
 * (as Smartro's receipt API takes its key) and the EncData envelope of
 * {@link SmartroEscrowDeliveryRequest}; the answer {@link SmartroEscrowDeliveryResponse} is signed
 * like an approval answer.
 */
export const ESCROW_DELIVERY_PATH = '/payment/approval/escrowDelivery.do';

export interface SmartroEscrowDeliveryRequest {
  /** `REG` registers the delivery, `MOD` changes a registered one. */
  ServiceType: 'REG' | 'MOD';
  Mid: string;
  Tid: string;
  EdiDate: string;
  /** PortOne V1 courier code (see domain/couriers.ts). */
  DlvCompany: string;
  InvoiceNum: string;
  /** When it was sent, `yyyyMMddHHmmss` Korea time. */
  SendDate: string;
  SenderName: string;
  SenderTel: string;
  SenderPost: string;
  SenderAddr1: string;
  SenderAddr2: string;
  RecvName: string;
  RecvTel: string;
  RecvPost: string;
  RecvAddr1: string;
  RecvAddr2: string;
}

export interface SmartroEscrowDeliveryResponse {
  ResultCode: string;
  ResultMsg?: string;
  Tid?: string;
  /** When Smartro recorded it, `yyMMddHHmmss` Korea time. */
  RegDate?: string;
  SignValue?: string;
}

/** Our result codes of the escrow delivery API (Smartro's are not public). */
export const ESCROW_DELIVERY_CODES = {
  registered: { resultCode: 'E000', resultMsg: '배송정보 등록 성공' },
  modified: { resultCode: 'E001', resultMsg: '배송정보 수정 성공' },
  alreadyRegistered: { resultCode: 'E409', resultMsg: '이미 배송정보가 등록된 거래입니다' },
  notRegistered: { resultCode: 'E404', resultMsg: '등록된 배송정보가 없습니다' },
  notEscrow: { resultCode: 'E400', resultMsg: '에스크로 승인 거래가 아닙니다' },
  badApiKey: { resultCode: 'E401', resultMsg: '에스크로 API Key가 올바르지 않습니다' },
  badRequest: { resultCode: 'E422', resultMsg: '배송정보가 올바르지 않습니다' },
} as const;

// ---- billing (빌링, SS-Pay): billing key issue through the window, billing payment ----
//
// Protocol reference §3.4. The field names are Smartro's; what the reference does not give is
// marked as our choice, shared with the simulator (its README, "Billing (ssbbill.do)").

export const SSBBILL_PATH = '/payment/approval/ssbbill.do';

/**
 * The billing window's form (issue through the UI, reference §3.4), posted to Smartro's billing
 * window. `SkinColor` comes from PortOne's `bypass.smartro_v2` for the billing window.
 */
export interface SmartroBillingWindowFields {
  /** `CARD`: a billing key is issued for a card only. */
  PayMethod: 'CARD';
  /** The billing MID (the channel's MID). Upper-case `MID` on this form, as the reference writes it. */
  MID: string;
  /** The order id of the issue (letters and digits). */
  Moid: string;
  /** The buyer's id at the merchant (V1 `customer_id`, ≤ 20 characters): the phone identity check is once per id. */
  MallUserID: string;
  MallIP: string;
  ReturnURL: string;
  /** base64(SHA256(EdiDate + MID + Moid + "SMARTRO!@#")), see crypto.ts billIssueRequestVerifyValue. */
  VerifyValue: string;
  SecureType: 'S2';
  EncodingType: 'utf8';
  /** The ssp Mall ID Smartro issues for recurring billing (channel setting `sspMallId`). */
  SspMallID: string;
  /** `yyyyMMddHHmmss`, Korea time. */
  EdiDate: string;
  /** `Y`: ReturnURL is URL-encoded; gyeol sends `N`. */
  RtnUrlEncUse: 'Y' | 'N';
  /**
   * `Y` skips registering a payment password in the window ("결제 비밀번호 등록 Skip 여부" in a
   * merchant's form, PortOne bypass `IsPwdPass`); gyeol sends `Y` unless the merchant asks `N`.
   */
  IsPwdPass: 'Y' | 'N';
  SkinColor?: SmartroSkinColor;
}

/**
 * Where the billing window is opened, on the channel's JS host (the PC or the mobile one). Our
 * choice, shared with the simulator: Smartro's merchant samples post this form to a URL taken from
 * their configuration, which no public source shows. The window's later steps (identity check,
 * card form) are the simulator's own pages below it.
 */
export const SMARTRO_BILLING_WINDOW_PATH = '/payment/billkey';

/**
 * Result codes of a billing window that issued nothing, posted to ReturnURL like a success (our
 * choice, shared with the simulator; Smartro's are not public). A card company refusing to
 * register a card reported lost keeps the card test code (`3053`); the buyer closing the window is
 * `U999`, as on the payment window.
 */
export const BILLING_ISSUE_CODES = {
  /** Smartro's manual: overseas cards cannot be registered for billing. */
  overseasCard: { resultCode: 'B201', resultMsg: '해외카드는 빌키를 발급할 수 없습니다' },
  lostCard: { resultCode: '3053', resultMsg: '분실/도난 신고된 카드는 등록할 수 없습니다' },
} as const;

/** The billing window's POST to ReturnURL once a key is issued (or not). */
export interface SmartroBillingIssueCallback {
  PayMethod: string;
  Mid: string;
  BuyerName?: string;
  Moid: string;
  Tid: string;
  /** AES-encrypted (the EncData cipher, crypto.ts aesEncrypt), base64. Never logged in either form. */
  BillTokenKey: string;
  MallUserId: string;
  /** {@link BILLING_KEY_ISSUED} on success. */
  ResultCode: string;
  ResultMsg: string;
  MallReserved?: string;
  /** base64(SHA256(Mid + BillTokenKey (plain) + DisplayCardNo + ResultCode + "SMARTRO!@#")). */
  VerifyValue: string;
  /** Smartro's 2-digit card company code. */
  IssuerCardCd: string;
  IssuerCardNm: string;
  /** Masked, e.g. `5239-****-****-9001`. */
  DisplayCardNo: string;
  /** `yyyyMMddHHmm` (the reference's format: we read it as the end of the card's validity). */
  CardExpire: string;
  EncodingType?: string;
  RtnUrlEncUse?: string;
}

/** The result code of an issued billing key (reference §3.4: `3001` = success). */
export const BILLING_KEY_ISSUED = { resultCode: '3001', resultMsg: '빌키 발급 성공' } as const;

/** The inner fields of `ssbbill.do`, before the EncData envelope (reference §3.4). Amounts are digits. */
export interface SmartroBillingPayRequest {
  PayMethod: 'CARD';
  /** The billing MID (the channel's MID). */
  Mid: string;
  /** The billing key, plain (it was decrypted from the issue callback). */
  BillTokenKey: string;
  /** The charge's order id (letters and digits, ≤ 40). */
  Moid: string;
  EdiDate: string;
  /** Required for API charges (PortOne: buyer_name, buyer_email, buyer_tel). */
  BuyerName: string;
  BuyerTel: string;
  BuyerEmail: string;
  /** `00` lump sum, `02`, `03`… */
  CardQuota: string;
  /** `0`: no card points (points are set per MID). */
  CardPoint: '0' | '1';
  GoodsCnt: string;
  GoodsName: string;
  Amt: string;
  /** Service charge; gyeol sends `0`. */
  SvcAmt: string;
  /** Supply value (amount − tax free − VAT). */
  TaxAmt: string;
  VatAmt: string;
  TaxFreeAmt: string;
  /** The buyer's id at the merchant (V1 `customer_id`), as the key was issued for. */
  MallUserId: string;
  MallIp: string;
  UserIp: string;
  /** base64(SHA256(BillTokenKey (plain) + Mid + Amt)). */
  VerifyValue: string;
}

/**
 * The answer of `ssbbill.do`. The reference names `AuthCode`, `AuthDate`, `AppCardName`,
 * `AppCardCode` and `Tid`; the rest is our choice, shared with the simulator: the fields of a card
 * approval answer (`Moid`, `Amt`, `Mid`, masked `CardNum`, `CardQuota`, `AcquCardCode`/`AcquCardName`,
 * `CardType`) and `SignValue` = signValue(Tid, ResultCode, MerchantKey) as on every other answer.
 */
export interface SmartroBillingPayResponse {
  ResultCode: string;
  ResultMsg?: string;
  Tid: string;
  SignValue: string;
  Mid?: string;
  Moid?: string;
  Amt?: string | number;
  PayMethod?: string;
  /** `yyMMddHHmmss`, Korea time. */
  AuthDate?: string;
  AuthCode?: string;
  AppCardCode?: string;
  AppCardName?: string;
  AcquCardCode?: string;
  AcquCardName?: string;
  /** Masked, e.g. `52391234****900*`. */
  CardNum?: string;
  CardQuota?: string;
  CardType?: string;
  BuyerName?: string;
  GoodsName?: string;
}

/**
 * A billing payment's success code. The public record contradicts itself: `3001` (the card success
 * code) in one merchant integration, `0000` in another (reference §3.4, §8.6). Our choice, shared
 * with the simulator: Smartro answers `3001` (a billing payment is a card payment); the connector
 * also takes `0000` as approved, because a real `0000` would mean the money was taken.
 */
export const BILLING_PAY_APPROVED = { resultCode: '3001', resultMsg: '빌링 결제 성공' } as const;
export const BILLING_PAY_APPROVED_ALT = '0000';

/**
 * Our codes (Smartro's are not public) for a billing payment the simulator refuses for the key or
 * the order; the card company's own declines keep the card test codes (3051…). `B101` (the same
 * Moid charged on this key before) is signed over that earlier charge's Tid and carries its
 * amount and approval fields: no second charge, and the connector reads it as that approval.
 */
export const BILLING_PAY_CODES = {
  unknownKey: { resultCode: 'B001', resultMsg: '등록되지 않았거나 삭제된 빌키입니다' },
  badVerifyValue: { resultCode: 'B002', resultMsg: '위변조 검증(VerifyValue)에 실패했습니다' },
  buyerRequired: { resultCode: 'B003', resultMsg: 'API 결제에는 구매자 이름, 이메일, 전화번호가 필요합니다 (BuyerName, BuyerEmail, BuyerTel)' },
  badMoid: { resultCode: 'B004', resultMsg: '주문번호(Moid)는 영문자와 숫자 40자 이내여야 합니다' },
  badAmount: { resultCode: 'B005', resultMsg: '결제금액(Amt)은 1 이상의 숫자, 12자리 이내여야 합니다' },
  duplicateMoid: { resultCode: 'B101', resultMsg: '이 빌키로 이미 결제된 주문번호(Moid)입니다' },
} as const;
