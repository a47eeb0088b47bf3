import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { smartroConnector } from '../../src/connectors/smartro';
import { ManualClock } from '../../src/domain/clock';
import { newImpUid } from '../../src/domain/ids';
import { EMPTY_PASS_THROUGH, type CardDetails, type Payment } from '../../src/domain/payment';
import { decide, type PaymentEvent } from '../../src/domain/payment-transitions';
import { buildGateway } from '../../src/gateway';
import { DEFAULT_RETRY_TIMING } from '../../src/domain/webhooks';
import { createOutboundHttp } from '../../src/http/outbound';
import { createServices, type ServiceDeps, type Services } from '../../src/services';
import { SecretBox } from '../../src/services/secrets';
import type { BillingCharger } from '../../src/services/billing-charges';
import type { ChannelRecord, StoreRecord } from '../../src/store/types';
import type { Store } from '../../src/store/types';

export interface GatewayHarness {
  app: FastifyInstance;
  store: Store;
  services: Services;
  clock: ManualClock;
  /** Seals and opens what the services keep sealed (billing keys, channel secrets). */
  secretBox: SecretBox;
  merchant: StoreRecord;
  apiKey: string;
  apiSecret: string;
  channel: ChannelRecord;
  /** A fresh access token of the seeded merchant. */
  token(): Promise<string>;
  /** Inserts a payment directly (bypassing checkout) in the given final state. */
  seedPayment(overrides?: Partial<SeedPayment>): Promise<Payment>;
  /** A second merchant with its own key/secret, for isolation tests. */
  otherMerchant(): Promise<{ merchant: StoreRecord; apiKey: string; apiSecret: string; channel: ChannelRecord }>;
  close(): Promise<void>;
}

export interface SeedPayment {
  storeId: number;
  channelId: number;
  merchantUid: string;
  amount: number;
  status: 'ready' | 'paid' | 'failed';
  startedAt: Date;
  sandbox: boolean;
  /** `card` (default) or `trans` (a bank transfer, paid through KB국민은행). */
  payMethod: 'card' | 'trans';
}

const CARD: CardDetails = {
  cardCode: '366',
  cardName: '신한카드',
  cardIssuerCode: '366',
  cardIssuerName: '신한카드',
  cardPublisherCode: '366',
  cardPublisherName: '신한카드',
  cardNumber: '42424242****424*',
  cardQuota: 0,
  cardType: null,
  applyNum: '12345678',
};

/** The gateway app over a given store, for `app.inject()` tests; no port is opened. */
export async function createGatewayHarness(
  store: Store,
  options: { confirmTimeoutMs?: number; billingCharger?: (store: Store, clock: ManualClock) => BillingCharger } = {},
): Promise<GatewayHarness> {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 3, 0, 0));
  const deps: ServiceDeps = {
    store,
    clock,
    secretBox: new SecretBox('harness-instance-secret-0123456789'),
    connectors: new Map([['smartro_v2', smartroConnector]]),
    connectorContext: { fetch: globalThis.fetch, clock, timeoutMs: 2000 },
    logger: { info() {}, warn() {}, error() {} },
    publicUrl: 'http://gateway.test',
    approvals: { returnWaitMs: 2000, confirmTimeoutMs: options.confirmTimeoutMs },
    webhooks: { connectTimeoutMs: 2000, readTimeoutMs: 2000, timing: DEFAULT_RETRY_TIMING },
    outbound: createOutboundHttp({ selfAddresses: () => [] }),
  };
  const services = createServices(deps, { billingCharger: options.billingCharger?.(store, clock) });
  const app = await buildGateway({
    services,
    publicUrl: deps.publicUrl,
    assetDir: path.resolve('dist/public'),
    hideSandboxByDefault: false,
  });

  const makeMerchant = async (name: string) => {
    const { store: merchant, apiSecret } = await services.provisioning.createStore({ name });
    const channel = await services.provisioning.createChannel({
      storeId: merchant.id,
      name: 'smartro test',
      pgProvider: 'smartro_v2',
      pgId: 'gyeolsim01',
      testMode: true,
      isDefault: true,
      settings: { jsBaseUrl: 'http://simulator.test', apiBaseUrl: 'http://simulator.test', receiptBaseUrl: 'http://simulator.test' },
      secrets: { merchantKey: 'k'.repeat(48), cancelPassword: '123456' },
    });
    return { merchant, apiKey: merchant.apiKey, apiSecret, channel };
  };
  const main = await makeMerchant('harness store');

  const seedPayment = async (overrides: Partial<SeedPayment> = {}): Promise<Payment> => {
    const seed: SeedPayment = {
      storeId: main.merchant.id,
      channelId: main.channel.id,
      merchantUid: `order${Math.floor(Math.random() * 1e9)}`,
      amount: 1004,
      status: 'paid',
      startedAt: clock.now(),
      sandbox: true,
      payMethod: 'card',
      ...overrides,
    };
    const payment = await store.payments.insert({
      storeId: seed.storeId,
      channelId: seed.channelId,
      impUid: newImpUid(),
      merchantUid: seed.merchantUid,
      pgProvider: 'smartro_v2',
      pgId: 'gyeolsim01',
      payMethod: seed.payMethod,
      channel: 'pc',
      sandbox: seed.sandbox,
      escrow: false,
      name: '결 머그컵',
      amount: seed.amount,
      taxFree: null,
      vatAmount: null,
      currency: 'KRW',
      status: 'ready',
      buyerName: '홍길동',
      buyerEmail: 'buyer@example.com',
      buyerTel: '010-1234-5678',
      buyerAddr: null,
      buyerPostcode: null,
      customData: '{"cart":1}',
      noticeUrl: null,
      customerUid: null,
      customerUidUsage: null,
      userAgent: 'vitest',
      passThrough: EMPTY_PASS_THROUGH,
      startedAt: seed.startedAt,
    });
    if (seed.status === 'ready') return payment;
    const pgTid = `gyeolsim010101${Date.now().toString().slice(-12)}${Math.floor(Math.random() * 1e4).toString().padStart(4, '0')}`;
    // Through the state machine, as the approvals pipeline does.
    const step = async (current: Payment, event: PaymentEvent): Promise<Payment> => {
      const decision = decide(current, event);
      if (!decision.ok) throw new Error(`seed: ${decision.reason}`);
      const applied = await store.payments.apply(seed.storeId, current.id, decision);
      if (!applied.ok) throw new Error(`seed: ${applied.reason}`);
      return applied.payment;
    };
    const at = clock.now();
    const claimed = await step(payment, { type: 'approval-requested', pgTid, pgAuthSealed: 'seed', at, reconcileAfter: at });
    const done =
      seed.status === 'paid'
        ? await step(claimed, { type: 'pg-approved', pgTid, approvedAt: at, details: seed.payMethod === 'trans' ? { method: 'trans', bank: { bankCode: '004', bankName: 'KB국민은행' } } : { method: 'card', card: CARD }, receiptUrl: null, at })
        : await step(claimed, { type: 'pg-declined', pgTid, code: '3051', message: '카드사 승인 거절', verified: true, at, reconcileAfter: null });
    return done;
  };

  return {
    app,
    store,
    services,
    clock,
    secretBox: deps.secretBox,
    merchant: main.merchant,
    apiKey: main.apiKey,
    apiSecret: main.apiSecret,
    channel: main.channel,
    async token() {
      const res = await app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: main.apiKey, imp_secret: main.apiSecret } });
      return res.json().response.access_token as string;
    },
    seedPayment,
    otherMerchant: () => makeMerchant('other store'),
    async close() {
      await app.close();
    },
  };
}
