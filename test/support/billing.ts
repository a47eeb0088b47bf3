/**
 * Billing customers for tests, while the billing window is not there to issue them: the simulator's
 * test-only `POST /sim/billing-keys` issues a key for a test card and answers the fields the
 * window posts to ReturnURL; the connector reads them (`readBillingIssueCallback`) as it will read
 * the window's callback; the key is sealed and the customer saved as an issue would.
 */
import { readBillingIssueCallback, type SmartroCredentials } from '../../src/connectors/smartro';
import type { BillingCustomer } from '../../src/domain/billing';
import type { Services } from '../../src/services';
import type { SecretBox } from '../../src/services/secrets';
import type { ChannelRecord, Store } from '../../src/store/types';

/** The ssp Mall ID tests give a Smartro channel: billing needs one (the simulator checks none). */
export const TEST_SSP_MALL_ID = 'gyeolssp01';

/** Gives the channel the ssp Mall ID billing needs; returns it as saved. */
export async function enableBilling(store: Store, channel: ChannelRecord): Promise<ChannelRecord> {
  const saved = await store.channels.updateSettings(channel.storeId, channel.id, { ...channel.settings, sspMallId: TEST_SSP_MALL_ID });
  if (!saved) throw new Error(`channel ${channel.channelKey} vanished`);
  return saved;
}

export interface TestCustomer {
  customerUid: string;
  /** A test card of the simulator (README "Test cards"); 4242… approves. */
  card?: string;
  customerId?: string;
  name?: string | null;
  tel?: string | null;
  email?: string | null;
}

/** Issues a key at the simulator for `customer.card` and saves it as the store's customer on `channel`. */
export async function registerCustomer(
  deps: { store: Store; services: Services; secretBox: SecretBox; simulatorUrl: string; now: Date },
  channel: ChannelRecord,
  customer: TestCustomer,
): Promise<BillingCustomer> {
  const customerId = customer.customerId ?? 'member01';
  const res = await fetch(`${deps.simulatorUrl}/sim/billing-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mid: channel.pgId, cardNumber: customer.card ?? '4242 4242 4242 4242', mallUserId: customerId, cardCompany: '06' }),
  });
  const fields = (await res.json()) as Record<string, string>;
  if (res.status !== 201) throw new Error(`the simulator issued no key: ${JSON.stringify(fields)}`);
  const credentials = deps.services.channels.open(channel).credentials as SmartroCredentials;
  const read = readBillingIssueCallback(credentials, fields);
  if (!read.ok) throw new Error(`the issue callback was not read: ${JSON.stringify(read)}`);
  return deps.store.billingCustomers.save({
    storeId: channel.storeId,
    customerUid: customer.customerUid,
    channelId: channel.id,
    pgProvider: channel.pgProvider,
    pgId: channel.pgId,
    sandbox: channel.testMode,
    billingKeySealed: deps.secretBox.seal(read.billingKey),
    customerId: read.customerId,
    card: {
      cardCode: read.cardCode,
      cardName: read.cardName,
      cardIssuerCode: read.cardCode,
      cardIssuerName: read.cardName,
      cardPublisherCode: null,
      cardPublisherName: null,
      cardNumber: read.displayCardNo,
      cardType: null,
    },
    customerName: customer.name === undefined ? '홍길동' : customer.name,
    customerTel: customer.tel === undefined ? '010-1234-5678' : customer.tel,
    customerEmail: customer.email === undefined ? 'buyer@example.com' : customer.email,
    customerAddr: null,
    customerPostcode: null,
    insertedAt: deps.now,
    updatedAt: deps.now,
  });
}

/** What the simulator lists for an order (`GET /sim/transactions?moid=`). */
export async function simTransactions(simulatorUrl: string, moid: string): Promise<{ tid: string; amount: number; approval: string; resultCode: string | null }[]> {
  const res = await fetch(`${simulatorUrl}/sim/transactions?moid=${encodeURIComponent(moid)}`);
  return ((await res.json()) as { transactions: { tid: string; amount: number; approval: string; resultCode: string | null }[] }).transactions;
}
