import type { Kysely, Selectable } from 'kysely';
import { runCompiled } from './compiled';
import type { StoreDialect } from './dialect';
import type { BillingCustomer } from '../domain/billing';
import { fromBool, toBool, toDate, toMs } from './rows';
import type { BillingCustomersTable, Database } from './schema';
import type { BillingCustomerRepository } from './types';

function customerFromRow(row: Selectable<BillingCustomersTable>): BillingCustomer {
  return {
    storeId: Number(row.store_id),
    customerUid: row.customer_uid,
    channelId: Number(row.channel_id),
    pgProvider: row.pg_provider,
    pgId: row.pg_id,
    sandbox: toBool(row.sandbox),
    billingKeySealed: row.billing_key_sealed,
    customerId: row.customer_id,
    card: {
      cardCode: row.card_code,
      cardName: row.card_name,
      cardIssuerCode: row.card_issuer_code,
      cardIssuerName: row.card_issuer_name,
      cardPublisherCode: row.card_publisher_code,
      cardPublisherName: row.card_publisher_name,
      cardNumber: row.card_number,
      cardType: row.card_type === null ? null : Number(row.card_type),
    },
    customerName: row.customer_name,
    customerTel: row.customer_tel,
    customerEmail: row.customer_email,
    customerAddr: row.customer_addr,
    customerPostcode: row.customer_postcode,
    insertedAt: toDate(row.inserted_at),
    updatedAt: toDate(row.updated_at),
  };
}

export class KyselyBillingCustomerRepository implements BillingCustomerRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async save(customer: BillingCustomer): Promise<BillingCustomer> {
    const { card } = customer;
    const columns = {
      channel_id: customer.channelId,
      pg_provider: customer.pgProvider,
      pg_id: customer.pgId,
      sandbox: fromBool(customer.sandbox),
      billing_key_sealed: customer.billingKeySealed,
      customer_id: customer.customerId,
      card_code: card.cardCode,
      card_name: card.cardName,
      card_issuer_code: card.cardIssuerCode,
      card_issuer_name: card.cardIssuerName,
      card_publisher_code: card.cardPublisherCode,
      card_publisher_name: card.cardPublisherName,
      card_number: card.cardNumber,
      card_type: card.cardType,
      customer_name: customer.customerName,
      customer_tel: customer.customerTel,
      customer_email: customer.customerEmail,
      customer_addr: customer.customerAddr,
      customer_postcode: customer.customerPostcode,
      updated_at: toMs(customer.updatedAt),
    };
    // A new card for a known customer_uid replaces the old one; `inserted` stays the first issue's.
    const row = await this.db
      .insertInto('billing_customers')
      .values({ store_id: customer.storeId, customer_uid: customer.customerUid, inserted_at: toMs(customer.insertedAt), ...columns })
      .onConflict((oc) => oc.columns(['store_id', 'customer_uid']).doUpdateSet(columns))
      .returningAll()
      .executeTakeFirstOrThrow();
    return customerFromRow(row);
  }

  async find(storeId: number, customerUid: string): Promise<BillingCustomer | null> {
    const build = () => this.db.selectFrom('billing_customers').selectAll().where('store_id', '=', storeId).where('customer_uid', '=', customerUid);
    const {
      rows: [row],
    } = await runCompiled(this.db, this.dialect, 'billing_customers.find', build, [storeId, customerUid]);
    return row ? customerFromRow(row) : null;
  }

  async findMany(storeId: number, customerUids: readonly string[]): Promise<BillingCustomer[]> {
    if (customerUids.length === 0) return [];
    const rows = await this.db.selectFrom('billing_customers').selectAll().where('store_id', '=', storeId).where('customer_uid', 'in', [...customerUids]).execute();
    return rows.map(customerFromRow);
  }

  async delete(storeId: number, customerUid: string): Promise<BillingCustomer | null> {
    const row = await this.db.deleteFrom('billing_customers').where('store_id', '=', storeId).where('customer_uid', '=', customerUid).returningAll().executeTakeFirst();
    return row ? customerFromRow(row) : null;
  }
}
