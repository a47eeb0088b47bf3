/**
 * Charging a stored billing key (issue 9): the one way money is taken with a billing key, used by
 * `POST /subscribe/payments/again` and by the scheduler's runs of `/subscribe/payments/schedule`.
 * The body is V1's, read and checked here, so an API charge and a scheduled one obey the same rules.
 */
import type { CustomerUidUsage, Payment } from '../domain/payment';

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
   * the channel's billing settings); the scheduler checks a schedule with it when it is created.
   * @throws AppError as `charge` would, changing nothing
   */
  check(storeId: number, body: Record<string, unknown>): Promise<void>;
  /**
   * Charges the customer's key as V1 `POST /subscribe/payments/again` with `body`: a payment
   * (`channel: "api"`, `customer_uid_usage` from `origin`) is recorded and approved through the
   * approvals pipeline. A decline is data (`status: "failed"`, `fail_reason`); an unknown PG
   * outcome leaves the payment open for the reconciler.
   * @throws AppError for a refusal (V1 `code ≠ 0`): bad field, unknown customer, merchant_uid taken
   */
  charge(storeId: number, body: Record<string, unknown>, origin: BillingChargeOrigin): Promise<Payment>;
}
