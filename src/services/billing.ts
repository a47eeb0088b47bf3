/**
 * Billing keys (V1 "customers", issue 9): reading and deleting the store's registered cards.
 * Keys are issued through the PG's billing window and charged with `/subscribe/payments/again`
 * (both land with the rest of issue 9); a key is sealed at rest and never leaves gyeol.
 */
import type { BillingCustomer } from '../domain/billing';
import { AppError, invalidParameter } from '../domain/errors';
import type { ServiceDeps } from './deps';

/** V1 takes at most this many `customer_uid[]` in one lookup (as `GET /payments`). */
export const MAX_CUSTOMER_LOOKUP = 100;

export class BillingService {
  constructor(private readonly deps: ServiceDeps) {}

  /** @throws AppError CUSTOMER_NOT_FOUND */
  async customer(storeId: number, customerUid: string): Promise<BillingCustomer> {
    const found = await this.deps.store.billingCustomers.find(storeId, customerUid);
    if (!found) throw new AppError('CUSTOMER_NOT_FOUND');
    return found;
  }

  /**
   * `GET /subscribe/customers?customer_uid[]=…`: those found, in the order asked; `complete` false
   * when some are missing (V1: 207). None found: 404.
   */
  async customers(storeId: number, customerUids: readonly string[]): Promise<{ customers: BillingCustomer[]; complete: boolean }> {
    const asked = [...new Set(customerUids)];
    if (asked.length === 0) throw invalidParameter([{ field: 'customer_uid', rule: 'customer_uid[]를 하나 이상 입력해야 합니다' }]);
    if (asked.length > MAX_CUSTOMER_LOOKUP) throw invalidParameter([{ field: 'customer_uid', rule: `최대 ${MAX_CUSTOMER_LOOKUP}개까지 조회할 수 있습니다` }]);
    const byUid = new Map((await this.deps.store.billingCustomers.findMany(storeId, asked)).map((c) => [c.customerUid, c] as const));
    const customers = asked.flatMap((uid) => byUid.get(uid) ?? []);
    if (customers.length === 0) throw new AppError('CUSTOMER_NOT_FOUND');
    return { customers, complete: customers.length === asked.length };
  }

  /**
   * `DELETE /subscribe/customers/{customer_uid}`: the key is gone from gyeol (V1 does not check
   * schedules; the merchant must). Smartro's key-delete API is not public, so the key is not
   * revoked at Smartro (README).
   * @throws AppError CUSTOMER_NOT_FOUND
   */
  async deleteCustomer(storeId: number, customerUid: string): Promise<BillingCustomer> {
    const deleted = await this.deps.store.billingCustomers.delete(storeId, customerUid);
    if (!deleted) throw new AppError('CUSTOMER_NOT_FOUND');
    this.deps.logger.info({ storeId, customerUid }, 'billing customer deleted');
    return deleted;
  }
}
