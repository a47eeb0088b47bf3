/**
 * Virtual accounts by API (V1 `POST /vbanks`, `PUT /vbanks/{imp_uid}`, `GET /vbanks/holder`).
 * An issued account is a payment like a window-issued one: `ready` with its `vbank_*`, webhook
 * `ready`, paid by the PG's deposit notification. Names no PG: what a PG can do is what its
 * connector's flows say.
 */
import { ConnectorFault, type VirtualAccountIssueInput } from '../connectors/contract';
import { executeFlow } from '../connectors/executor';
import { AppError, invalidParameter, type FieldViolation } from '../domain/errors';
import { EMPTY_PASS_THROUGH, type Payment } from '../domain/payment';
import { parseRequestPayParams } from '../domain/request-pay';
import type { ChannelRecord, StoreRecord } from '../store/types';
import type { ApprovalService } from './approvals';
import type { ChannelService } from './channels';
import type { ServiceDeps } from './deps';
import { newPaymentRecord } from './new-payment';

/** `POST /vbanks` as the route read it: wire names, values as sent (the route coerced numbers). */
export interface IssueVbankCommand {
  channelKey?: string;
  /** V1's deprecated `pg` (`smartro_v2` or `smartro_v2.{MID}`), accepted like request_pay's. */
  pg?: string;
  merchantUid: string;
  amount: number;
  vbankCode: string;
  /** UNIX seconds. */
  vbankDue: number;
  vbankHolder?: string;
  vbankNum?: string;
  name?: string;
  buyerName?: string;
  buyerEmail?: string;
  buyerTel?: string;
  buyerAddr?: string;
  buyerPostcode?: string;
  noticeUrl?: unknown;
  customData?: unknown;
  taxFree?: number;
  vatAmount?: number;
}

// Korea has had no daylight saving time since 1988: Korea time is always UTC+9.
const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** UNIX seconds → `YYYYMMDDhhmmss` Korea time (request_pay's normalized `vbank_due`). */
export function kstDue(unixSeconds: number): string {
  const k = new Date(unixSeconds * 1000 + KST_OFFSET_MS);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(k.getUTCFullYear(), 4)}${pad(k.getUTCMonth() + 1)}${pad(k.getUTCDate())}${pad(k.getUTCHours())}${pad(k.getUTCMinutes())}${pad(k.getUTCSeconds())}`;
}

export class VbankService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly channels: ChannelService,
    private readonly approvals: ApprovalService,
  ) {}

  /**
   * `POST /vbanks`: checks the V1 rules (as request_pay's, with `pay_method: vbank`) and the
   * channel's PG rules, creates the payment (`channel: api`) and issues its account through the
   * approvals pipeline.
   * @throws AppError INVALID_PARAMETER (naming the field), CHANNEL_NOT_FOUND, MERCHANT_UID_ALREADY_PAID,
   *   PAYMENT_IN_PROGRESS, PG_FEATURE_NOT_SUPPORTED, PG_DECLINED (HTTP 200, code -1), PG_FAULT, PG_TIMEOUT
   */
  async issue(storeId: number, command: IssueVbankCommand): Promise<Payment> {
    const { store, clock } = this.deps;
    const merchant = await store.stores.findById(storeId);
    if (!merchant) throw new AppError('UNAUTHORIZED');
    const channel = await this.channelOf(merchant, command);
    const resolved = this.channels.open(channel);
    const flow = resolved.connector.flows.issueVirtualAccount;
    if (!flow) {
      throw new AppError('PG_FEATURE_NOT_SUPPORTED', { field: 'channel_key', message: `${channel.pgProvider}: API 가상계좌 발급(POST /vbanks)을 지원하지 않는 PG사입니다` });
    }

    const now = clock.now();
    const violations: FieldViolation[] = [];
    if (!Number.isSafeInteger(command.vbankDue) || command.vbankDue <= Math.floor(now.getTime() / 1000)) {
      violations.push({ field: 'vbank_due', rule: '미래 시각의 UNIX timestamp(초)여야 합니다' });
    }
    const due = violations.length === 0 ? kstDue(command.vbankDue) : null;
    const parsed = parseRequestPayParams(
      {
        pay_method: 'vbank',
        merchant_uid: command.merchantUid,
        amount: command.amount,
        name: command.name,
        buyer_name: command.buyerName,
        buyer_email: command.buyerEmail,
        buyer_tel: command.buyerTel,
        buyer_addr: command.buyerAddr,
        buyer_postcode: command.buyerPostcode,
        notice_url: command.noticeUrl,
        custom_data: command.customData,
        tax_free: command.taxFree,
        vat_amount: command.vatAmount,
        ...(due ? { vbank_due: due } : {}),
      },
      { now },
    );
    if (!parsed.ok) throw invalidParameter([...violations, ...parsed.violations]);
    const request = parsed.request;
    const input: VirtualAccountIssueInput = {
      merchantUid: request.merchantUid,
      amount: request.amount,
      taxFree: request.taxFree,
      vatAmount: request.vatAmount,
      name: request.name,
      buyerName: request.buyerName,
      buyerEmail: request.buyerEmail,
      buyerTel: request.buyerTel,
      bankCode: command.vbankCode,
      holder: command.vbankHolder ?? null,
      due: request.vbankDue ?? '',
      fixedAccount: command.vbankNum === undefined || command.vbankNum === '' ? null : command.vbankNum,
    };
    const passThrough = { ...EMPTY_PASS_THROUGH, vbankDue: request.vbankDue };
    violations.push(
      ...resolved.connector.validatePayment({ ...request, passThrough }, { mobile: false }),
      ...flow.validate(input),
    );
    if (violations.length > 0) throw invalidParameter(dedupe(violations));

    const claim = await store.payments.findClaim(storeId, request.merchantUid);
    if (claim) throw new AppError(claim.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS', { field: 'merchant_uid' });

    // Recorded and claimed in one transaction by the approvals pipeline.
    const outcome = await this.approvals.issueVirtualAccount(newPaymentRecord(storeId, channel, request, { channel: 'api', userAgent: null, passThrough }, now), resolved, input);
    switch (outcome.kind) {
      case 'issued':
        return outcome.payment;
      case 'declined':
        throw new AppError('PG_DECLINED', { message: `가상계좌 발급 실패: ${outcome.error.message} (${outcome.error.code}, imp_uid: ${outcome.payment.impUid})` });
      case 'unknown':
        throw new AppError('PG_TIMEOUT', {
          message: `PG사의 가상계좌 발급 응답을 확인하지 못했습니다. 발급 여부를 다시 확인해 발급되면 웹훅(ready)으로 알려드립니다 (imp_uid: ${outcome.payment.impUid})`,
        });
      case 'not-claimed': {
        await this.approvals.abandon(outcome.payment, { code: 'PAYMENT_IN_PROGRESS', message: new AppError('PAYMENT_IN_PROGRESS').message });
        throw new AppError(outcome.holder?.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS', { field: 'merchant_uid' });
      }
      default: {
        const never: never = outcome;
        throw new TypeError(`unknown issue outcome ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * `PUT /vbanks/{imp_uid}`: V1's checks (404, not a virtual account, not `ready`), then the PG's
   * answer. No connector of gyeol can change an issued account (V1 supports it for settle only;
   * Smartro has no such API): 501 naming the PG and the way around it.
   */
  async modify(storeId: number, impUid: string, change: { amount?: number; vbankDue?: number }): Promise<never> {
    const payment = await this.deps.store.payments.findByImpUid(storeId, impUid);
    if (!payment) throw new AppError('PAYMENT_NOT_FOUND');
    if (change.amount === undefined && change.vbankDue === undefined) {
      throw invalidParameter([{ field: 'amount', rule: '변경할 amount 또는 vbank_due 중 하나 이상을 입력해야 합니다' }]);
    }
    if (payment.payMethod !== 'vbank') throw new AppError('NOT_VBANK');
    if (payment.status !== 'ready' || payment.approvalState !== 'approved' || payment.vbank === null) {
      // `ready` without an account: the issue is still being confirmed with the PG.
      const state = payment.status === 'ready' ? 'ready, 발급 확인 중' : payment.status;
      throw new AppError('VBANK_NOT_READY', { message: `입금대기(ready) 상태의 가상계좌가 아닙니다 (현재 상태: ${state})` });
    }
    const name = payment.pgProvider === 'smartro_v2' ? '스마트로(smartro_v2)' : payment.pgProvider;
    throw new AppError('VBANK_MODIFY_NOT_SUPPORTED', {
      message: `${name}는 발급된 가상계좌의 입금기한·금액 변경을 지원하지 않습니다. DELETE /vbanks/{imp_uid}로 말소한 뒤 POST /vbanks로 다시 발급해 주세요.`,
    });
  }

  /**
   * `GET /vbanks/holder`: who holds an account, asked of the PG through `channelKey` (a gyeol
   * extension) or the store's default channel.
   * @throws AppError INVALID_PARAMETER, CHANNEL_NOT_FOUND, PG_FEATURE_NOT_SUPPORTED, HOLDER_NOT_FOUND, PG_FAULT
   */
  async holder(storeId: number, query: { bankCode: string; bankNum: string; channelKey?: string }): Promise<string> {
    const violations: FieldViolation[] = [];
    if (!/^\d{3}$/.test(query.bankCode)) violations.push({ field: 'bank_code', rule: '금융결제원 표준 은행코드 3자리여야 합니다' });
    const digits = query.bankNum.replace(/[^0-9]/g, '');
    if (digits.length < 6 || digits.length > 30) violations.push({ field: 'bank_num', rule: '계좌번호는 숫자 6~30자리여야 합니다 (하이픈 등 기호는 무시)' });
    if (violations.length > 0) throw invalidParameter(violations);
    const merchant = await this.deps.store.stores.findById(storeId);
    if (!merchant) throw new AppError('UNAUTHORIZED');
    const channel = query.channelKey
      ? await this.deps.store.channels.findByChannelKey(storeId, query.channelKey)
      : await this.deps.store.channels.findDefault(storeId);
    if (!channel) {
      throw new AppError('CHANNEL_NOT_FOUND', {
        field: 'channel_key',
        message: query.channelKey ? 'channel_key: 해당 채널 키로 등록된 채널이 없습니다' : 'channel_key: 기본 채널이 없으니 channel_key를 지정해 주세요',
      });
    }
    const resolved = this.channels.open(channel);
    const flow = resolved.connector.flows.lookupAccountHolder;
    if (!flow) throw new AppError('PG_FEATURE_NOT_SUPPORTED', { message: `${channel.pgProvider}: 예금주 조회를 지원하지 않는 PG사입니다` });
    let result;
    try {
      result = await executeFlow(this.deps.connectorContext, flow, resolved.credentials, { bankCode: query.bankCode, accountNumber: digits });
    } catch (err) {
      if (!(err instanceof ConnectorFault)) throw err;
      this.deps.logger.error({ fault: err.kind, err: err.message }, 'PG account holder lookup fault');
      throw new AppError(err.kind === 'timeout' ? 'PG_TIMEOUT' : 'PG_FAULT', { message: `PG사의 예금주 조회 응답을 확인하지 못했습니다 (${err.kind})` });
    }
    if (result.outcome === 'not-found') throw new AppError('HOLDER_NOT_FOUND', { message: `계좌정보 조회 실패: ${result.message} (${result.code})` });
    return result.holder;
  }

  /** V1 `channel_key` (required by V1) or the deprecated `pg`; one of them must name a channel. */
  private async channelOf(merchant: StoreRecord, command: IssueVbankCommand): Promise<ChannelRecord> {
    if (command.channelKey) {
      const channel = await this.deps.store.channels.findByChannelKey(merchant.id, command.channelKey);
      if (!channel) throw new AppError('CHANNEL_NOT_FOUND', { field: 'channel_key', message: 'channel_key: 해당 채널 키로 등록된 채널이 없습니다' });
      return channel;
    }
    if (command.pg) return this.channels.resolve(merchant, { pg: command.pg });
    throw invalidParameter([{ field: 'channel_key', rule: '필수 입력값입니다 (채널 키, 또는 pg)' }]);
  }
}

function dedupe(violations: FieldViolation[]): FieldViolation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    if (seen.has(v.field)) return false;
    seen.add(v.field);
    return true;
  });
}
