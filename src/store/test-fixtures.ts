/**
 * Builders for tests that need rows: a store, a channel, a payment with every field set.
 * Used by src/store tests; other tests may use them too. Not used by production code.
 */
import { randomUUID } from 'node:crypto';
import { newApiKey, newChannelKey, newImpUid, newStoreCode } from '../domain/ids';
import type { BillingCustomer } from '../domain/billing';
import type { CardDetails, MethodDetails, Payment } from '../domain/payment';
import { decide, type PaymentEvent } from '../domain/payment-transitions';
import type { AcceptedDecision, ChannelRecord, NewChannel, NewPayment, NewReceipt, NewStore, Repositories, StoreRecord } from './types';

export const T0 = new Date(Date.UTC(2026, 0, 15, 3, 0, 0));

export function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

export function newStoreInput(overrides: Partial<NewStore> = {}): NewStore {
  return {
    impCode: newStoreCode(),
    name: '결 테스트 상점',
    apiKey: newApiKey(),
    apiSecretHash: `scrypt$${randomUUID()}`,
    createdAt: T0,
    ...overrides,
  };
}

export function newChannelInput(storeId: number, overrides: Partial<NewChannel> = {}): NewChannel {
  return {
    storeId,
    channelKey: newChannelKey(),
    name: 'Smartro test',
    pgProvider: 'smartro_v2',
    pgId: 't_2411011m',
    testMode: true,
    isDefault: false,
    settings: { jsHost: 'http://127.0.0.1:4001', apiHost: 'http://127.0.0.1:4001', nested: { a: [1, 'b', null] } },
    secretsEnc: 'v1:iv:ciphertext',
    createdAt: T0,
    ...overrides,
  };
}

export const SAMPLE_CARD: CardDetails = {
  cardCode: '361',
  cardName: 'BC카드',
  cardIssuerCode: '361',
  cardIssuerName: 'BC카드',
  cardPublisherCode: '361',
  cardPublisherName: 'BC카드',
  cardNumber: '5361-48**-****-1234',
  cardQuota: 3,
  cardType: 0,
  applyNum: '30012345',
};

export function newPaymentInput(storeId: number, channelId: number, overrides: Partial<NewPayment> = {}): NewPayment {
  return {
    storeId,
    channelId,
    impUid: newImpUid(),
    merchantUid: `order-${randomUUID()}`,
    pgProvider: 'smartro_v2',
    pgId: 't_2411011m',
    payMethod: 'card',
    channel: 'pc',
    sandbox: true,
    escrow: false,
    name: '결 티셔츠',
    amount: 1004,
    taxFree: 100,
    vatAmount: 82,
    currency: 'KRW',
    status: 'ready',
    buyerName: '홍길동',
    buyerEmail: 'gildong@example.com',
    buyerTel: '010-1234-5678',
    buyerAddr: '서울특별시 강남구 신사동',
    buyerPostcode: '01181',
    customData: '{"b": 1,  "a": [true, null, "x"]}',
    noticeUrl: 'https://shop.example.com/webhook',
    customerUid: 'billing_cust_01',
    customerUidUsage: 'payment',
    userAgent: 'Mozilla/5.0 (test)',
    passThrough: { digital: true, vbankDue: null, customerId: 'cust01', cardDirect: { code: '361', quota: 3 }, bypass: { smartro_v2: { SkinColor: 'BLUE' } }, language: 'ko', period: null },
    startedAt: T0,
    ...overrides,
  };
}

/** A billing customer (a registered key) of a store's channel, every field set. */
export function newBillingCustomerInput(storeId: number, channelId: number, overrides: Partial<BillingCustomer> = {}): BillingCustomer {
  return {
    storeId,
    customerUid: 'cust_0001',
    channelId,
    pgProvider: 'smartro_v2',
    pgId: 'gyeoltest1',
    sandbox: true,
    billingKeySealed: 'sealed-key-1',
    customerId: 'member01',
    card: {
      cardCode: '361',
      cardName: 'BC카드',
      cardIssuerCode: null,
      cardIssuerName: null,
      cardPublisherCode: null,
      cardPublisherName: null,
      cardNumber: '5239-****-****-9001',
      cardType: 0,
    },
    customerName: '홍길동',
    customerTel: '01012345678',
    customerEmail: 'buyer@example.com',
    customerAddr: '서울시 중구',
    customerPostcode: '04524',
    insertedAt: at(1_000),
    updatedAt: at(1_000),
    ...overrides,
  };
}

/** A store with one default channel. */
/** A cash receipt intent (state `issuing`) for `payment`, a person's phone number as identifier. */
export function newReceiptIntent(payment: Payment, overrides: Partial<NewReceipt> = {}): NewReceipt {
  return {
    storeId: payment.storeId,
    channelId: payment.channelId,
    kind: 'payment',
    paymentId: payment.id,
    impUid: payment.impUid,
    merchantUid: payment.merchantUid,
    pgOrderId: payment.merchantUid,
    purpose: 'person',
    identifierType: 'phone',
    identifierSealed: 'sealed-identifier',
    identifierMasked: '010******78',
    payMethod: 'trans',
    name: '결 머그컵',
    amount: 11000,
    vat: 1000,
    taxFree: 0,
    buyerName: '홍길동',
    buyerEmail: null,
    buyerTel: '01012345678',
    createdAt: T0,
    ...overrides,
  };
}

export async function seedStore(repos: Repositories, overrides: Partial<NewStore> = {}): Promise<{ store: StoreRecord; channel: ChannelRecord }> {
  const store = await repos.stores.insert(newStoreInput(overrides));
  const channel = await repos.channels.insert(newChannelInput(store.id, { isDefault: true }));
  return { store, channel };
}

/** The state machine's decision of `event` about `payment`, for tests that apply it; throws when it is refused. */
export function accepted(payment: Payment, event: PaymentEvent): AcceptedDecision {
  const decision = decide(payment, event);
  if (!decision.ok) throw new Error(decision.reason);
  return decision;
}

/** Decides and applies `event`; throws unless both succeed. Returns the updated payment. */
export async function applied(repos: Repositories, payment: Payment, event: PaymentEvent): Promise<Payment> {
  const result = await repos.payments.apply(payment.storeId, payment.id, accepted(payment, event));
  if (!result.ok) throw new Error(`apply refused (${result.reason}) for ${event.type}`);
  return result.payment;
}

/** Payment events with test defaults; `at` is when it happens. */
export const paymentEvents = {
  requested: (pgTid: string, at: Date): PaymentEvent => ({
    type: 'approval-requested',
    pgTid,
    pgAuthSealed: `sealed:${pgTid}`,
    at,
    reconcileAfter: new Date(at.getTime() + 30_000),
  }),
  approved: (pgTid: string, at: Date, details: MethodDetails = { method: 'card', card: SAMPLE_CARD }): PaymentEvent => ({
    type: 'pg-approved',
    pgTid,
    approvedAt: new Date(at.getTime() - 1_000),
    details,
    receiptUrl: `https://pg.example/receipt/${pgTid}`,
    at,
  }),
  declined: (pgTid: string | null, at: Date, verified = true): PaymentEvent => ({
    type: 'pg-declined',
    pgTid,
    code: verified ? '3051' : '9999',
    message: verified ? '한도초과' : '시스템에러 잠시후 재 거래',
    verified,
    at,
    reconcileAfter: verified ? null : at,
  }),
  unknown: (pgTid: string | null, at: Date): PaymentEvent => ({
    type: 'pg-outcome-unknown',
    pgTid,
    note: 'approval timed out',
    at,
    reconcileAfter: new Date(at.getTime() + 15_000),
  }),
  abandoned: (at: Date): PaymentEvent => ({ type: 'abandoned', failCode: 'U999', failReason: '사용자가 결제를 취소하셨습니다', at }),
  inquiryFailed: (at: Date, reconcileAfter: Date | null, attempts: number): PaymentEvent => ({
    type: 'inquiry-failed',
    note: '조회 실패',
    at,
    reconcileAfter,
    attempts,
  }),
};
