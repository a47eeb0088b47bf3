// Shared by the Smartro connector and simulator tests only; nothing in production imports it.
import type { ChannelCredentials, PaymentWindowInput } from '../contract';
import type { PaymentRequest } from '../../domain/request-pay';

/** A made-up test merchant; the key is no real merchant's key. */
export const TEST_MID = 'gyeoltest1';
export const TEST_MERCHANT_KEY = 'gyeolTestMerchantKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

export function paymentRequest(overrides: Partial<PaymentRequest> = {}): PaymentRequest {
  return {
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
    buyerAddr: null,
    buyerPostcode: null,
    customData: null,
    noticeUrl: null,
    mRedirectUrl: null,
    escrow: false,
    digital: null,
    vbankDue: null,
    customerUid: null,
    customerId: null,
    cardDirect: null,
    bypass: null,
    language: null,
    ...overrides,
  };
}

export function credentials(overrides: Partial<ChannelCredentials> = {}): ChannelCredentials {
  return {
    mid: TEST_MID,
    merchantKey: TEST_MERCHANT_KEY,
    cancelPassword: '123456',
    jsBaseUrl: 'http://127.0.0.1:4001',
    apiBaseUrl: 'http://127.0.0.1:4001',
    testMode: true,
    ...overrides,
  };
}

export function windowInput(overrides: Partial<PaymentWindowInput> = {}): PaymentWindowInput {
  return {
    request: paymentRequest(),
    returnUrl: 'http://127.0.0.1:4000/checkout/s1/return',
    stopUrl: 'http://127.0.0.1:4000/checkout/s1/stop',
    mobile: false,
    buyerIp: '203.0.113.7',
    ...overrides,
  };
}
