/**
 * Billing keys (빌링키, V1 "customers"): a card registered once through the PG's billing window,
 * then charged from the merchant's server. gyeol keeps one live key per store and `customer_uid`
 * (V1: unique per buyer and card); issuing again for the same `customer_uid` replaces the card.
 */
import type { CardDetails } from './payment';

export interface BillingCustomer {
  storeId: number;
  customerUid: string;
  channelId: number;
  pgProvider: string;
  pgId: string;
  sandbox: boolean;
  /** The PG's billing key, sealed with the instance secret; never shown. */
  billingKeySealed: string;
  /** V1 `customer_id` (Smartro's `MallUserId`). */
  customerId: string | null;
  /** What the PG told about the card (masked number only). */
  card: Pick<CardDetails, 'cardCode' | 'cardName' | 'cardIssuerCode' | 'cardIssuerName' | 'cardPublisherCode' | 'cardPublisherName' | 'cardNumber' | 'cardType'>;
  customerName: string | null;
  customerTel: string | null;
  customerEmail: string | null;
  customerAddr: string | null;
  customerPostcode: string | null;
  /** When the key was first issued (V1 `inserted`) and last replaced (`updated`). */
  insertedAt: Date;
  updatedAt: Date;
}

/** `customer_uid`: V1 does not bound it; gyeol keeps it to this many characters. */
export const MAX_CUSTOMER_UID_LENGTH = 80;
