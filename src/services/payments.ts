import { AppError } from '../domain/errors';
import type { Payment, PaymentStatus } from '../domain/payment';
import type { PaymentSorting } from '../store/types';
import type { ServiceDeps } from './deps';

export interface LookupOptions {
  /** When false, payments made through a test channel are treated as absent (V1 since 2026-01-26). */
  includeSandbox: boolean;
}

/** Reading payments for the V1 REST API. Every lookup is scoped to the caller's store. */
export class PaymentQueryService {
  constructor(private readonly deps: ServiceDeps) {}

  async getByImpUid(storeId: number, impUid: string, options: LookupOptions): Promise<Payment> {
    const payment = await this.deps.store.payments.findByImpUid(storeId, impUid);
    return visible(payment, options);
  }

  async findByMerchantUid(
    storeId: number,
    merchantUid: string,
    filter: { status?: PaymentStatus; sorting?: PaymentSorting },
    options: LookupOptions,
  ): Promise<Payment> {
    const payment = await this.deps.store.payments.findByMerchantUid(storeId, merchantUid, filter);
    return visible(payment, options);
  }
}

function visible(payment: Payment | null, options: LookupOptions): Payment {
  if (!payment || (payment.sandbox && !options.includeSandbox)) throw new AppError('PAYMENT_NOT_FOUND');
  return payment;
}
