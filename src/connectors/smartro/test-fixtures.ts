import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
// Shared by the Smartro connector and simulator tests only; nothing in production imports it.
import { ConnectorFault, type BillingChargeInput, type PaymentFacts, type PaymentWindowInput } from '../contract';
import type { PaymentPassThrough } from '../../domain/payment';
import type { SmartroCredentials } from './credentials';

/** A made-up test merchant; the key is no real merchant's key. */
export const TEST_MID = 'gyeoltest1';
export const TEST_MERCHANT_KEY = 'gyeolTestMerchantKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

/** The payment facts and pass-through fields side by side, as tests like to override them. */
export type FlatPaymentFacts = Omit<PaymentFacts, 'passThrough'> & PaymentPassThrough;

/** Payment facts for a connector, from flat overrides (pass-through fields included). */
export function paymentRequest(overrides: Partial<FlatPaymentFacts> = {}): PaymentFacts {
  const flat: FlatPaymentFacts = {
    payMethod: 'card',
    merchantUid: 'order20260115001',
    name: '결 머그컵',
    amount: 1004,
    currency: 'KRW',
    taxFree: null,
    vatAmount: null,
    buyerName: '홍길동',
    buyerEmail: 'buyer@example.com',
    buyerTel: '010-1234-5678',
    escrow: false,
    digital: null,
    vbankDue: null,
    customerId: null,
    cardDirect: null,
    bypass: null,
    language: null,
    period: null,
    ...overrides,
  };
  const { digital, vbankDue, customerId, cardDirect, bypass, language, period, ...facts } = flat;
  return { ...facts, passThrough: { digital, vbankDue, customerId, cardDirect, bypass, language, period } };
}

/** One billing-key charge (ssbbill.do's input) with every field set. */
export function billingChargeInput(overrides: Partial<BillingChargeInput> = {}): BillingChargeInput {
  return {
    billingKey: 'BTK20260115ABCDEFGH123456',
    merchantUid: 'sub20260115001',
    amount: 1004,
    currency: 'KRW',
    taxFree: null,
    vatAmount: null,
    name: '월간 구독',
    buyerName: '홍길동',
    buyerEmail: 'buyer@example.com',
    buyerTel: '010-1234-5678',
    cardQuota: 0,
    useCardPoint: false,
    interestFreeByMerchant: false,
    customerId: 'buyer01',
    buyerIp: '203.0.113.7',
    ...overrides,
  };
}

export function credentials(overrides: Partial<SmartroCredentials> = {}): SmartroCredentials {
  return {
    mid: TEST_MID,
    merchantKey: TEST_MERCHANT_KEY,
    cancelPassword: '123456',
    jsBaseUrl: 'http://127.0.0.1:4001',
    mobileJsBaseUrl: 'http://127.0.0.1:4001',
    apiBaseUrl: 'http://127.0.0.1:4001',
    receiptBaseUrl: 'http://127.0.0.1:4001',
    testMode: true,
    ...overrides,
  };
}

export function windowInput(overrides: Partial<PaymentWindowInput> = {}): PaymentWindowInput {
  return {
    payment: paymentRequest(),
    returnUrl: 'http://127.0.0.1:4000/checkout/s1/return',
    stopUrl: 'http://127.0.0.1:4000/checkout/s1/stop',
    mobile: false,
    buyerIp: '203.0.113.7',
    ...overrides,
  };
}

/** PortOne V1's card code table (`card_code`) from the shared reference: code → {name, scope}, in file order. */
export function v1CardCodes(): Map<string, { name: string; scope: string }> {
  const candidates = [path.resolve('../shared/reference/codes/portone_v1_card_codes.csv'), path.resolve('../../shared/reference/codes/portone_v1_card_codes.csv')];
  const file = candidates.find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`portone_v1_card_codes.csv not found in ${candidates.join(' or ')}`);
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  return new Map(rows.map(([code, name, scope]) => [code, { name, scope }]));
}

/** The ConnectorFault `fn` throws (anything else is rethrown; no throw fails the test). */
export function faultOf(fn: () => unknown): ConnectorFault {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConnectorFault) return err;
    throw err;
  }
  throw new Error('expected a ConnectorFault');
}
