/**
 * Charging a stored billing key (issue 9): the one way money is taken with a billing key, used by
 * `POST /subscribe/payments/again` and by the scheduler's runs of `/subscribe/payments/schedule`.
 * The body is V1's, read and checked here, so an API charge and a scheduled one obey the same rules.
 */
import { isIP } from 'node:net';
import type { BillingChargeInput } from '../connectors/contract';
import { MAX_CUSTOMER_UID_LENGTH, type BillingCustomer } from '../domain/billing';
import { AppError, invalidParameter, type FieldViolation } from '../domain/errors';
import { EMPTY_PASS_THROUGH, type CustomerUidUsage, type Payment, type PaymentPassThrough } from '../domain/payment';
import { parseRequestPayParams, type PaymentRequest } from '../domain/request-pay';
import type { ChannelRecord } from '../store/types';
import type { ApprovalService } from './approvals';
import type { ChannelService, ResolvedChannel } from './channels';
import type { ServiceDeps } from './deps';
import { newPaymentRecord } from './new-payment';

/** Who asked for a charge and how the payment records it. */
export interface BillingChargeOrigin {
  /** `payment` for `/subscribe/payments/again`, `payment.scheduled` for a schedule's run. */
  usage: Exclude<CustomerUidUsage, 'issue'>;
  /** The caller's IP as the gateway saw it (null for the scheduler). */
  buyerIp: string | null;
}

export interface BillingCharger {
  /**
   * Everything a charge with this V1 body would check before asking the PG (fields, the customer,
   * the channel's billing settings, the merchant_uid not taken); the scheduler checks a schedule
   * with it when it is created.
   * @throws AppError as `charge` would, changing nothing
   */
  check(storeId: number, body: Record<string, unknown>): Promise<void>;
  /**
   * Charges the customer's key as V1 `POST /subscribe/payments/again` with `body`: a payment
   * (`channel: "api"`, `customer_uid_usage` from `origin`) is recorded and approved through the
   * approvals pipeline. A decline is data (`status: "failed"`, `fail_reason`); an unknown PG
   * outcome leaves the payment `ready` for the reconciler (see {@link outcomeUnknownError}).
   * @throws AppError for a refusal (V1 `code ≠ 0`): bad field, unknown customer, merchant_uid taken
   */
  charge(storeId: number, body: Record<string, unknown>, origin: BillingChargeOrigin): Promise<Payment>;
}

/** V1 `product_type`. */
const PRODUCT_TYPES = ['real', 'digital'] as const;

/** A charge checked and ready to be recorded (the billing key still sealed). */
interface CheckedCharge {
  customer: BillingCustomer;
  channel: ChannelRecord;
  resolved: ResolvedChannel;
  request: PaymentRequest;
  passThrough: PaymentPassThrough;
  /** The PG's input without the key, which is opened only for the call. */
  draft: Omit<BillingChargeInput, 'billingKey'>;
}

/**
 * What a V1 client is told when the PG's answer to a charge is not known yet (a timeout, a lost
 * answer): HTTP 504 with code -1, naming the payment; the reconciler settles it and the webhook
 * says `paid` if it was.
 */
export function outcomeUnknownError(payment: Payment): AppError {
  return new AppError('PG_TIMEOUT', {
    message:
      `PG사의 빌링 결제 응답을 확인하지 못했습니다. 같은 결제를 PG사에 다시 확인해 결제되었으면 웹훅(paid)으로 알려드립니다. ` +
      `다른 주문번호로 다시 결제하지 말고 GET /payments/${payment.impUid}로 결과를 확인해 주세요 (imp_uid: ${payment.impUid})`,
  });
}

export class BillingChargeService implements BillingCharger {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly channels: ChannelService,
    private readonly approvals: ApprovalService,
  ) {}

  async check(storeId: number, body: Record<string, unknown>): Promise<void> {
    await this.checked(storeId, body, null);
  }

  async charge(storeId: number, body: Record<string, unknown>, origin: BillingChargeOrigin): Promise<Payment> {
    const { customer, channel, resolved, request, passThrough, draft } = await this.checked(storeId, body, origin.buyerIp);
    const { clock, secretBox } = this.deps;
    // Recorded and claimed in one transaction by the approvals pipeline.
    const record = newPaymentRecord(storeId, channel, request, { channel: 'api', userAgent: null, passThrough, billing: { customerUid: customer.customerUid, usage: origin.usage } }, clock.now());
    const outcome = await this.approvals.chargeBillingKey(record, resolved, { ...draft, billingKey: secretBox.open(customer.billingKeySealed) });
    switch (outcome.kind) {
      case 'paid':
      case 'declined':
      case 'unknown':
        return outcome.payment;
      case 'not-claimed': {
        // Another request of the same merchant_uid claimed it between the check and now.
        await this.approvals.abandon(outcome.payment, { code: 'PAYMENT_IN_PROGRESS', message: new AppError('PAYMENT_IN_PROGRESS').message });
        throw new AppError(outcome.holder?.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS', { field: 'merchant_uid' });
      }
      default: {
        const never: never = outcome;
        throw new TypeError(`unknown charge outcome ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Reads and checks a V1 `again` body, in the order a client can act on: the V1 fields (400),
   * the customer (code -1), the channel and the PG's rules (400), the merchant_uid (409).
   */
  private async checked(storeId: number, raw: Record<string, unknown>, callerIp: string | null): Promise<CheckedCharge> {
    const { store } = this.deps;
    const body = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {};
    const violations: FieldViolation[] = [];

    const customerUid = body.customer_uid;
    if (customerUid === undefined || customerUid === null || customerUid === '') violations.push({ field: 'customer_uid', rule: '필수 입력값입니다' });
    else if (typeof customerUid !== 'string') violations.push({ field: 'customer_uid', rule: '문자열(string)이어야 합니다' });
    else if (customerUid.length > MAX_CUSTOMER_UID_LENGTH) violations.push({ field: 'customer_uid', rule: `최대 ${MAX_CUSTOMER_UID_LENGTH}자까지 입력할 수 있습니다` });

    const bypass = readBypass(body.bypass, violations);
    // The common V1 rules of request_pay (amount, currency, tax, buyer, notice_url, custom_data,
    // bypass size), as POST /vbanks reads them. customer_uid is not handed over: it would let an
    // amount of 0 pass, which only a key-issuing window may ask for.
    const parsed = parseRequestPayParams(
      {
        pay_method: 'card',
        merchant_uid: body.merchant_uid,
        amount: body.amount,
        currency: body.currency,
        name: body.name,
        tax_free: body.tax_free,
        vat_amount: body.vat_amount,
        buyer_name: body.buyer_name,
        buyer_email: body.buyer_email,
        buyer_tel: body.buyer_tel,
        buyer_addr: body.buyer_addr,
        buyer_postcode: body.buyer_postcode,
        custom_data: body.custom_data,
        notice_url: body.notice_url,
        bypass,
      },
      { now: this.deps.clock.now() },
    );
    if (!parsed.ok) violations.push(...parsed.violations);

    const cardQuota = optionalInteger(body, 'card_quota', violations) ?? 0;
    const useCardPoint = optionalBoolean(body, 'use_card_point', violations);
    const interestFreeByMerchant = optionalBoolean(body, 'interest_free_by_merchant', violations);
    const productType = optionalEnum(body, 'product_type', PRODUCT_TYPES, violations);
    const browserIp = optionalText(body, 'browser_ip', 45, violations);
    if (browserIp !== null && isIP(browserIp) === 0) violations.push({ field: 'browser_ip', rule: 'IPv4 또는 IPv6 주소여야 합니다' });
    // A PortOne promotion discounts the charge; charging the full amount instead would be wrong.
    if (optionalText(body, 'promotion_id', 100, violations) !== null) {
      violations.push({ field: 'promotion_id', rule: 'gyeol은 PortOne 프로모션을 지원하지 않습니다 (할인된 금액을 amount로 보내 주세요)' });
    }
    const channelKey = optionalText(body, 'channel_key', 100, violations);
    const pg = optionalText(body, 'pg', 100, violations);
    if (violations.length > 0 || !parsed.ok) throw invalidParameter(violations);

    const customer = await store.billingCustomers.find(storeId, customerUid as string);
    if (!customer) {
      throw new AppError('CHARGE_CUSTOMER_NOT_FOUND', { field: 'customer_uid', message: `요청하신 customer_uid(${String(customerUid)})로 등록된 정보를 찾을 수 없습니다.` });
    }
    const channel = await this.channelOf(storeId, customer, { channelKey, pg });
    const resolved = this.channels.open(channel);
    const flow = resolved.connector.flows.chargeBillingKey;
    if (!flow) throw new AppError('PG_FEATURE_NOT_SUPPORTED', { message: `${channel.pgProvider}: 빌링키 결제를 지원하지 않는 PG사입니다` });

    // buyer_* fall back to what the key was issued with (V1 documents it for schedules; `again`
    // gets the same, so both charge alike); a given buyer_* wins.
    const given = parsed.request;
    const request: PaymentRequest = {
      ...given,
      buyerName: given.buyerName ?? customer.customerName,
      buyerEmail: given.buyerEmail ?? customer.customerEmail,
      buyerTel: given.buyerTel ?? customer.customerTel,
      buyerAddr: given.buyerAddr ?? customer.customerAddr,
      buyerPostcode: given.buyerPostcode ?? customer.customerPostcode,
      customerUid: customer.customerUid,
      customerId: customer.customerId,
    };
    const draft: Omit<BillingChargeInput, 'billingKey'> = {
      merchantUid: request.merchantUid,
      amount: request.amount,
      currency: request.currency,
      taxFree: request.taxFree,
      vatAmount: request.vatAmount,
      name: request.name,
      buyerName: request.buyerName,
      buyerEmail: request.buyerEmail,
      buyerTel: request.buyerTel,
      cardQuota,
      useCardPoint: useCardPoint ?? false,
      interestFreeByMerchant: interestFreeByMerchant ?? false,
      customerId: customer.customerId,
      buyerIp: browserIp ?? callerIp,
    };
    // The PG's rules read no key.
    const pgViolations = flow.validate(resolved.credentials, { ...draft, billingKey: '' });
    if (pgViolations.length > 0) throw invalidParameter(pgViolations);

    const claim = await store.payments.findClaim(storeId, request.merchantUid);
    if (claim) throw new AppError(claim.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS', { field: 'merchant_uid' });

    const passThrough: PaymentPassThrough = {
      ...EMPTY_PASS_THROUGH,
      customerId: customer.customerId,
      bypass: request.bypass,
      digital: productType === null ? null : productType === 'digital',
    };
    return { customer, channel, resolved, request, passThrough, draft };
  }

  /**
   * The channel that issued the customer's key: a charge goes there. `channel_key` or `pg`, when
   * given, must name that channel (V1 lets a super billing key pick one; gyeol's keys have one).
   */
  private async channelOf(storeId: number, customer: BillingCustomer, choice: { channelKey: string | null; pg: string | null }): Promise<ChannelRecord> {
    const { channels } = this.deps.store;
    const channel = await channels.findById(storeId, customer.channelId);
    if (!channel) throw new AppError('CHANNEL_NOT_FOUND', { field: 'customer_uid', message: 'customer_uid: 빌링키를 발급한 채널이 더 이상 없습니다' });
    if (choice.channelKey !== null) {
      const named = await channels.findByChannelKey(storeId, choice.channelKey);
      if (!named) throw new AppError('CHANNEL_NOT_FOUND', { field: 'channel_key', message: 'channel_key: 해당 채널 키로 등록된 채널이 없습니다' });
      if (named.id !== channel.id) throw invalidParameter([{ field: 'channel_key', rule: 'customer_uid의 빌링키를 발급한 채널이 아닙니다 (빌링키는 발급한 채널에서만 결제할 수 있습니다)' }]);
    }
    if (choice.pg !== null) {
      const dot = choice.pg.indexOf('.');
      const provider = dot === -1 ? choice.pg : choice.pg.slice(0, dot);
      const pgId = dot === -1 ? null : choice.pg.slice(dot + 1);
      if (provider !== channel.pgProvider || (pgId !== null && pgId !== channel.pgId)) {
        throw invalidParameter([{ field: 'pg', rule: `customer_uid의 빌링키는 ${channel.pgProvider}.${channel.pgId} 채널에서 발급되었습니다` }]);
      }
    }
    return channel;
  }
}

/** V1 `bypass`: an object, or (as V1's `again` documents it) its JSON text. */
function readBypass(value: unknown, out: FieldViolation[]): unknown {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
  } catch {
    // reported below
  }
  out.push({ field: 'bypass', rule: 'JSON 객체 또는 JSON 객체 문자열이어야 합니다' });
  return undefined;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function optionalText(body: Record<string, unknown>, field: string, max: number, out: FieldViolation[]): string | null {
  const value = body[field];
  if (absent(value)) return null;
  if (typeof value !== 'string') {
    out.push({ field, rule: '문자열(string)이어야 합니다' });
    return null;
  }
  if (value.length > max) {
    out.push({ field, rule: `최대 ${max}자까지 입력할 수 있습니다` });
    return null;
  }
  return value;
}

function optionalInteger(body: Record<string, unknown>, field: string, out: FieldViolation[]): number | null {
  const value = body[field];
  if (absent(value)) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    out.push({ field, rule: '정수(integer)여야 합니다' });
    return null;
  }
  return value;
}

function optionalBoolean(body: Record<string, unknown>, field: string, out: FieldViolation[]): boolean | null {
  const value = body[field];
  if (absent(value)) return null;
  if (typeof value !== 'boolean') {
    out.push({ field, rule: 'true 또는 false여야 합니다' });
    return null;
  }
  return value;
}

function optionalEnum<T extends string>(body: Record<string, unknown>, field: string, allowed: readonly T[], out: FieldViolation[]): T | null {
  const value = body[field];
  if (absent(value)) return null;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    out.push({ field, rule: `${allowed.join(', ')} 중 하나여야 합니다` });
    return null;
  }
  return value as T;
}
