/**
 * The Smartro (`smartro_v2`) connector: builds the signed `tranMgr` form for Smartro's window,
 * reads what the window sends back, and asks Smartro's approval host to approve. Everything
 * outside the wire protocol (HTTP client, clock, timeout, credentials) comes in as arguments.
 */
import {
  ConnectorFault,
  type ApprovalInput,
  type ApprovalResult,
  type ChannelCredentials,
  type ConnectorContext,
  type PaymentWindowInput,
  type PgConnector,
  type SmartroWindowLaunch,
  type WindowReturn,
} from '../contract';
import type { FieldViolation } from '../../domain/errors';
import type { PaymentRequest } from '../../domain/request-pay';
import { encryptData, verifySignValue } from './crypto';
import { validatePaymentRequest } from './rules';
import { readApprovalResponse, toApprovalResult } from './transformers';
import {
  APPROVAL_INQUIRY_PATH,
  APPROVAL_PATH,
  cardCompanyByKftcCode,
  ediDate,
  SMARTRO_JS_PATH,
  type SmartroApprovalRequest,
  type TranMgrFields,
} from './wire';

/** Smartro's limit on `GoodsName`. */
const MAX_GOODS_NAME_LENGTH = 40;
const DEFAULT_GOODS_NAME = '상품';
const USER_ABORT_CODE = 'U999';
const USER_ABORT_MESSAGE = '사용자가 결제를 취소하셨습니다';

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

function bypassOptions(request: PaymentRequest): Record<string, unknown> {
  const raw = request.bypass?.smartro_v2;
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

/**
 * Builds the `tranMgr` form fields of one attempt. The merchant key signs `EncryptData` here
 * and never appears in the fields: they are rendered into the buyer's browser.
 * @param now the moment stamped as `EdiDate` (Korea time)
 */
export function buildTranMgrFields(credentials: ChannelCredentials, input: PaymentWindowInput, now: Date): TranMgrFields {
  const { request } = input;
  const amt = String(request.amount);
  const stamp = ediDate(now);
  const options = bypassOptions(request);
  const fields: TranMgrFields = {
    PayMethod: 'CARD',
    GoodsCnt: options.GoodsCnt !== undefined ? String(options.GoodsCnt) : '1',
    GoodsName: (request.name ?? DEFAULT_GOODS_NAME).slice(0, MAX_GOODS_NAME_LENGTH),
    Amt: amt,
    Moid: request.merchantUid,
    Mid: credentials.mid,
    ReturnUrl: input.returnUrl,
    StopUrl: input.stopUrl,
    BuyerName: request.buyerName ?? '',
    BuyerTel: request.buyerTel ?? '',
    BuyerEmail: request.buyerEmail ?? '',
    EdiDate: stamp,
    EncryptData: encryptData(stamp, credentials.mid, amt, credentials.merchantKey),
    UserIp: input.buyerIp ?? '',
    TransType: request.escrow ? '1' : '0',
    // V1 `digital: true` means digital content; Smartro's GoodsCl counts it as 0.
    GoodsCl: request.digital === true ? '0' : '1',
    EncodingType: 'utf8',
  };
  const direct = request.cardDirect;
  const company = cardCompanyByKftcCode(direct?.code);
  if (direct && company) {
    fields.FnCd = company.smartroCode;
    fields.CardQuota = String(direct.quota !== null && direct.quota >= 2 ? direct.quota : 0).padStart(2, '0');
  }
  if (request.customerId !== null) fields.MallUserId = request.customerId;
  if (options.SkinColor !== undefined) fields.SkinColor = options.SkinColor as TranMgrFields['SkinColor'];
  if (options.OpenType !== undefined) fields.OpenType = options.OpenType as TranMgrFields['OpenType'];
  return fields;
}

/**
 * Describes Smartro's window: which `SmartroPAY-1.0.min.js` to load, in which mode, with which
 * form. The mobile host serves a page laid out for phones.
 */
export function buildPaymentWindow(credentials: ChannelCredentials, input: PaymentWindowInput, now: Date): SmartroWindowLaunch {
  const jsBase = input.mobile ? (credentials.mobileJsBaseUrl ?? credentials.jsBaseUrl) : credentials.jsBaseUrl;
  const fields = buildTranMgrFields(credentials, input, now);
  return {
    kind: 'smartro-js',
    scriptUrl: joinUrl(jsBase, SMARTRO_JS_PATH),
    mode: credentials.testMode ? 'STG' : 'REAL',
    fields: { ...fields } as Record<string, string>,
  };
}

/**
 * Reads what Smartro's window sent back (ReturnUrl/StopUrl form fields or the PC callback
 * object). Anything without both `Tid` and `TrAuthKey` is the buyer giving up.
 */
export function parseWindowReturn(fields: Record<string, string>): WindowReturn {
  const tid = fields.Tid?.trim();
  const trAuthKey = fields.TrAuthKey?.trim();
  if (tid && trAuthKey) return { kind: 'authenticated', pgTid: tid, authToken: trAuthKey };
  return {
    kind: 'aborted',
    code: fields.ResultCode?.trim() || USER_ABORT_CODE,
    message: fields.ResultMsg?.trim() || USER_ABORT_MESSAGE,
  };
}

// Errors that prove the request never reached Smartro, so nothing can have been approved.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function errorCodes(err: unknown, depth = 0): string[] {
  if (typeof err !== 'object' || err === null || depth > 4) return [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof e.code === 'string' ? [e.code] : [];
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => errorCodes(x, depth + 1)) : [];
  return [...own, ...nested, ...errorCodes(e.cause, depth + 1)];
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function faultFromTransportError(err: unknown, url: string, timeoutMs: number): ConnectorFault {
  if (isTimeout(err)) {
    return new ConnectorFault('timeout', `Smartro did not answer ${url} within ${timeoutMs} ms`, { cause: err, outcomeUnknown: true });
  }
  const codes = errorCodes(err);
  const neverSent = codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c));
  return new ConnectorFault('network', `Could not reach Smartro at ${url} (${codes.join(', ') || 'network error'})`, {
    cause: err,
    outcomeUnknown: !neverSent,
  });
}

/**
 * POSTs a JSON body to Smartro's approval host and returns the parsed JSON answer.
 * @throws ConnectorFault timeout | network | http | malformed
 */
async function postToApprovalHost(ctx: ConnectorContext, credentials: ChannelCredentials, path: string, body: SmartroApprovalRequest): Promise<unknown> {
  const url = joinUrl(credentials.apiBaseUrl, path);
  // One deadline for connecting, sending and reading the whole answer.
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  let text: string;
  let status: number;
  try {
    const response = await ctx.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    throw faultFromTransportError(err, url, ctx.timeoutMs);
  }
  if (status < 200 || status > 299) {
    throw new ConnectorFault('http', `Smartro answered HTTP ${status} at ${url}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConnectorFault('malformed', `Smartro answer at ${url} is not JSON`, { cause: err });
  }
}

async function askForApproval(path: string, ctx: ConnectorContext, credentials: ChannelCredentials, input: ApprovalInput): Promise<ApprovalResult> {
  const json = await postToApprovalHost(ctx, credentials, path, { Tid: input.pgTid, TrAuthKey: input.authToken });
  const response = readApprovalResponse(json);
  if (!verifySignValue(response.Tid, response.ResultCode, credentials.merchantKey, response.SignValue)) {
    throw new ConnectorFault('signature', `SignValue of Smartro's answer for Tid ${response.Tid} does not verify`);
  }
  return toApprovalResult(response, { pgTid: input.pgTid, mid: credentials.mid, expected: input.expected }, ctx.clock.now());
}

/**
 * Channel credentials as the Smartro connector reads them. `receiptBaseUrl` is accepted for
 * a later receipt feature and not used yet.
 */
export type SmartroCredentials = ChannelCredentials & { receiptBaseUrl?: string };

/**
 * Smartro's new module (`smartro_v2`) as a {@link PgConnector}. Stateless: one instance can
 * serve every channel and every request.
 * @example
 * const smartro = new SmartroConnector();
 * const launch = smartro.buildPaymentWindow(credentials, input, clock.now());
 * const result = await smartro.approvePayment({ fetch, clock, timeoutMs: 15_000 }, credentials, approval);
 */
export class SmartroConnector implements PgConnector {
  readonly pgProvider = 'smartro_v2';

  validatePaymentRequest(request: PaymentRequest, env: { mobile: boolean }): FieldViolation[] {
    return validatePaymentRequest(request, env);
  }

  buildPaymentWindow(credentials: ChannelCredentials, input: PaymentWindowInput, now: Date): SmartroWindowLaunch {
    return buildPaymentWindow(credentials, input, now);
  }

  parseWindowReturn(fields: Record<string, string>): WindowReturn {
    return parseWindowReturn(fields);
  }

  /**
   * Calls `urlCallApproval.do` and verifies the answer's `SignValue`, Tid, MID and, for an
   * approval, order and amount.
   * @throws ConnectorFault when there is no trustworthy answer
   */
  approvePayment(ctx: ConnectorContext, credentials: ChannelCredentials, input: ApprovalInput): Promise<ApprovalResult> {
    return askForApproval(APPROVAL_PATH, ctx, credentials, input);
  }

  /**
   * Asks `approvalInquiry.do` what became of an approval whose answer was lost (timeout,
   * dropped connection), with the same checks as {@link approvePayment}. Not part of the
   * common contract yet; the reconciler can use it directly.
   * @throws ConnectorFault when there is no trustworthy answer
   */
  inquireApproval(ctx: ConnectorContext, credentials: ChannelCredentials, input: ApprovalInput): Promise<ApprovalResult> {
    return askForApproval(APPROVAL_INQUIRY_PATH, ctx, credentials, input);
  }
}
