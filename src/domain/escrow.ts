/** An escrow payment's delivery, as registered with `POST /escrows/logis/{imp_uid}` (V1). */

/** One side of a delivery (V1 `sender` / `receiver`); every field as the merchant sent it. */
export interface DeliveryParty {
  name: string | null;
  tel: string | null;
  postcode: string | null;
  /** V1 `formed_address.address_line_1` / `address_line_2`. */
  addressLine1: string | null;
  addressLine2: string | null;
  /** V1 `addr`. */
  addr: string | null;
  relationship: string | null;
}

/** One delivered product (V1 `products[]`), kept as sent (only welcome needs it in V1). */
export type DeliveryProduct = Record<string, unknown>;

export interface EscrowDelivery {
  storeId: number;
  paymentId: number;
  /** V1 courier code (domain/couriers.ts). */
  company: string;
  invoice: string;
  sentAt: Date;
  /** V1 `logis.receiving_at` (daou: `YYYYMMDD`), kept as sent. */
  receivingAt: string | null;
  /** V1 `logis.address`, kept as sent. */
  address: string | null;
  sender: DeliveryParty;
  receiver: DeliveryParty;
  products: DeliveryProduct[] | null;
  /** When the PG accepted the registration or its last change (V1 `applied_at`). */
  appliedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}
