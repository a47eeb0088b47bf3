import type { Kysely, Selectable } from 'kysely';
import type { DeliveryParty, DeliveryProduct, EscrowDelivery } from '../domain/escrow';
import { isUniqueViolation } from './dialect';
import { toDate, toMs } from './rows';
import type { Database, EscrowDeliveriesTable } from './schema';
import type { EscrowDeliveryRepository } from './types';

function fromRow(row: Selectable<EscrowDeliveriesTable>): EscrowDelivery {
  return {
    storeId: Number(row.store_id),
    paymentId: Number(row.payment_id),
    company: row.company,
    invoice: row.invoice,
    sentAt: toDate(row.sent_at),
    receivingAt: row.receiving_at,
    address: row.address,
    sender: JSON.parse(row.sender) as DeliveryParty,
    receiver: JSON.parse(row.receiver) as DeliveryParty,
    products: row.products === null ? null : (JSON.parse(row.products) as DeliveryProduct[]),
    appliedAt: toDate(row.applied_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function columns(d: EscrowDelivery) {
  return {
    company: d.company,
    invoice: d.invoice,
    sent_at: toMs(d.sentAt),
    receiving_at: d.receivingAt,
    address: d.address,
    sender: JSON.stringify(d.sender),
    receiver: JSON.stringify(d.receiver),
    products: d.products === null ? null : JSON.stringify(d.products),
    applied_at: toMs(d.appliedAt),
    updated_at: toMs(d.updatedAt),
  };
}

export class KyselyEscrowDeliveryRepository implements EscrowDeliveryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(delivery: EscrowDelivery): Promise<EscrowDelivery | null> {
    // `on conflict do nothing`: a concurrent second registration gets null, not an error.
    const row = await this.db
      .insertInto('escrow_deliveries')
      .values({ store_id: delivery.storeId, payment_id: delivery.paymentId, created_at: toMs(delivery.createdAt), ...columns(delivery) })
      .onConflict((oc) => oc.columns(['store_id', 'payment_id']).doNothing())
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) return undefined;
        throw error;
      });
    return row ? fromRow(row) : null;
  }

  async update(delivery: EscrowDelivery): Promise<EscrowDelivery | null> {
    const row = await this.db
      .updateTable('escrow_deliveries')
      .set(columns(delivery))
      .where('store_id', '=', delivery.storeId)
      .where('payment_id', '=', delivery.paymentId)
      .returningAll()
      .executeTakeFirst();
    return row ? fromRow(row) : null;
  }

  async find(storeId: number, paymentId: number): Promise<EscrowDelivery | null> {
    const row = await this.db
      .selectFrom('escrow_deliveries')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('payment_id', '=', paymentId)
      .executeTakeFirst();
    return row ? fromRow(row) : null;
  }
}
