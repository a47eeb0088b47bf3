/**
 * Smartro's payment window: the signed `tranMgr` form, the launch description for the checkout
 * window, and what the window sends back. Pure functions: no HTTP.
 */
import type { PaymentFacts, PaymentWindowInput, WindowLaunch, WindowReturn } from '../contract';
import type { SmartroCredentials } from './credentials';
import { encryptData } from './crypto';
import { smartroOrderId } from './rules';
import {
  cardCompanyByKftcCode,
  ediDate,
  offerPeriod,
  SMARTRO_JS_PATH,
  SMARTRO_PAY_METHODS,
  vbankExpDate,
  withSmartroCardCodes,
  type TranMgrFields,
} from './wire';

/** Smartro's limit on `GoodsName`. */
const MAX_GOODS_NAME_LENGTH = 40;
const DEFAULT_GOODS_NAME = '상품';
export const USER_ABORT_CODE = 'U999';
export const USER_ABORT_MESSAGE = '사용자가 결제를 취소하셨습니다';
/** The name of this connector's browser launcher (src/connectors/smartro/browser/launcher.ts). */
export const SMARTRO_LAUNCHER = 'smartro_v2';

/** What the launcher gets for a payment: the script's mode and the `tranMgr` form fields. */
export interface SmartroLaunchData {
  mode: 'STG' | 'REAL';
  fields: Record<string, string>;
}

/**
 * What the launcher gets for the billing window (billing.ts): a plain form posted to `action`
 * in the window itself, with no Smartro script.
 */
export interface SmartroBillingLaunchData {
  kind: 'billing';
  action: string;
  fields: Record<string, string>;
}

function bypassOptions(payment: PaymentFacts): Record<string, unknown> {
  const raw = payment.passThrough.bypass?.smartro_v2;
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

/**
 * Smartro's tax split of an amount (`TaxAmt` supply value, `VatAmt`, `TaxFreeAmt`), sent only when
 * the merchant gave `tax_free` or `vat_amount`. Without `vat_amount`, VAT is a tenth of the supply
 * value (1/11 of the taxable amount), rounded half up, in integer arithmetic.
 */
export function taxSplit(payment: Pick<PaymentFacts, 'amount' | 'taxFree' | 'vatAmount'>): { TaxAmt: string; VatAmt: string; TaxFreeAmt: string } | null {
  if (payment.taxFree === null && payment.vatAmount === null) return null;
  const taxFree = payment.taxFree ?? 0;
  const taxable = payment.amount - taxFree;
  const vat = payment.vatAmount ?? Math.floor((2 * taxable + 11) / 22);
  return { TaxAmt: String(taxable - vat), VatAmt: String(vat), TaxFreeAmt: String(taxFree) };
}

/**
 * Builds the `tranMgr` form fields of one attempt. The merchant key signs `EncryptData` here
 * and never appears in the fields: they are rendered into the buyer's browser.
 * @param now the moment stamped as `EdiDate` (Korea time)
 */
export function buildTranMgrFields(credentials: SmartroCredentials, input: PaymentWindowInput, now: Date): TranMgrFields {
  const { payment } = input;
  const amt = String(payment.amount);
  const stamp = ediDate(now);
  const options = bypassOptions(payment);
  const pass = payment.passThrough;
  const payMethod = payment.payMethod;
  // validatePayment refuses every other method before a window opens.
  const fields: TranMgrFields = {
    PayMethod: SMARTRO_PAY_METHODS[payMethod],
    GoodsCnt: options.GoodsCnt !== undefined ? String(options.GoodsCnt) : '1',
    GoodsName: (payment.name ?? DEFAULT_GOODS_NAME).slice(0, MAX_GOODS_NAME_LENGTH),
    Amt: amt,
    // A longer merchant_uid is kept whole in gyeol; Smartro gets its first 40 characters.
    Moid: smartroOrderId(payment.merchantUid),
    Mid: credentials.mid,
    ReturnUrl: input.returnUrl,
    StopUrl: input.stopUrl,
    BuyerName: payment.buyerName ?? '',
    BuyerTel: payment.buyerTel ?? '',
    BuyerEmail: payment.buyerEmail ?? '',
    EdiDate: stamp,
    EncryptData: encryptData(stamp, credentials.mid, amt, credentials.merchantKey),
    UserIp: input.buyerIp ?? '',
    TransType: payment.escrow ? '1' : '0',
    // V1 `digital: true` means digital content; Smartro's GoodsCl counts it as 0.
    GoodsCl: pass.digital === true ? '0' : '1',
    EncodingType: 'utf8',
  };
  const tax = taxSplit(payment);
  if (tax) Object.assign(fields, tax);
  const direct = pass.cardDirect;
  const company = cardCompanyByKftcCode(direct?.code, withSmartroCardCodes(credentials.cardCodes));
  if (payMethod === 'card' && direct && company) {
    fields.FnCd = company.smartroCode;
    fields.CardQuota = String(direct.quota !== null && direct.quota >= 2 ? direct.quota : 0).padStart(2, '0');
  }
  // validatePayment requires vbank_due for a virtual account; it arrives normalized.
  if (payMethod === 'vbank' && pass.vbankDue !== null) fields.VbankExpDate = vbankExpDate(pass.vbankDue);
  if (pass.period !== null) fields.OfferPeriod = offerPeriod(pass.period);
  if (pass.customerId !== null) fields.MallUserId = pass.customerId;
  if (options.SkinColor !== undefined) fields.SkinColor = options.SkinColor as TranMgrFields['SkinColor'];
  if (options.OpenType !== undefined) fields.OpenType = options.OpenType as TranMgrFields['OpenType'];
  return fields;
}

/**
 * Describes Smartro's window: `SmartroPAY-1.0.min.js` from the channel's JS host (the mobile host
 * serves a page laid out for phones), then this connector's launcher with the signed form.
 */
export function openSmartroWindow(credentials: SmartroCredentials, input: PaymentWindowInput, now: Date): WindowLaunch {
  const jsBase = input.mobile ? credentials.mobileJsBaseUrl : credentials.jsBaseUrl;
  const data: SmartroLaunchData = {
    mode: credentials.testMode ? 'STG' : 'REAL',
    fields: { ...buildTranMgrFields(credentials, input, now) } as Record<string, string>,
  };
  return {
    launcher: SMARTRO_LAUNCHER,
    scripts: [`${jsBase}${SMARTRO_JS_PATH}`],
    origins: [new URL(jsBase).origin],
    data,
  };
}

/** What the approval call needs besides the Tid. */
export interface SmartroAuth {
  trAuthKey: string;
}

/**
 * Reads what Smartro's window sent back (ReturnUrl/StopUrl form fields or the PC callback
 * object). Anything without both `Tid` and `TrAuthKey` is the buyer giving up. A Tid that does not
 * start with the channel's MID (Smartro's Tids do) cannot be this channel's transaction: it is
 * refused before anything is asked of Smartro.
 */
export function readSmartroWindowReturn(credentials: SmartroCredentials, fields: Record<string, string>): WindowReturn {
  const tid = fields.Tid?.trim();
  const trAuthKey = fields.TrAuthKey?.trim();
  if (tid && trAuthKey) {
    if (!tid.startsWith(credentials.mid) || tid.length > 64) {
      return { kind: 'rejected', code: 'PG_TID_MISMATCH', message: '이 채널의 거래번호(Tid)가 아닙니다' };
    }
    const auth: SmartroAuth = { trAuthKey };
    return { kind: 'authenticated', pgTid: tid, auth };
  }
  return {
    kind: 'aborted',
    code: fields.ResultCode?.trim() || USER_ABORT_CODE,
    message: fields.ResultMsg?.trim() || USER_ABORT_MESSAGE,
  };
}
