import { AppError, invalidParameter, type FieldViolation } from '../domain/errors';
import { fromMinorUnits, isCurrency, toMinorUnits, type Currency } from '../domain/money';
import { amountProblem } from '../domain/request-pay';
import type { PreparedPayment } from '../store/types';
import type { ServiceDeps } from './deps';

/** What `POST|PUT /payments/prepare` carries, as read from JSON or a form (amount already a number). */
export interface PrepareInput {
  merchantUid: string;
  amount: number;
  /** Absent or null: the window's currency is not checked (V1). */
  currency?: string | null;
}

/**
 * `/payments/prepare`: the amount a merchant registers for a merchant_uid before opening the
 * window; the checkout refuses a window of that merchant_uid with another amount (or currency).
 * Without a currency the amount is read as KRW, the only currency Smartro takes.
 */
export class PaymentPrepareService {
  constructor(private readonly deps: ServiceDeps) {}

  async prepare(storeId: number, input: PrepareInput): Promise<PreparedPayment> {
    const { amount, currency } = readAmount(input);
    const now = this.deps.clock.now();
    const created = await this.deps.store.paymentPrepares.insert({
      storeId,
      merchantUid: input.merchantUid,
      amount,
      currency,
      createdAt: now,
      updatedAt: now,
    });
    if (!created) throw new AppError('PREPARE_ALREADY_EXISTS', { field: 'merchant_uid' });
    return created;
  }

  async update(storeId: number, input: PrepareInput): Promise<PreparedPayment> {
    const change = readAmount(input);
    const updated = await this.deps.store.paymentPrepares.update(storeId, input.merchantUid, change, this.deps.clock.now());
    if (!updated) throw new AppError('PREPARE_NOT_FOUND');
    return updated;
  }

  async get(storeId: number, merchantUid: string): Promise<PreparedPayment> {
    const found = await this.deps.store.paymentPrepares.find(storeId, merchantUid);
    if (!found) throw new AppError('PREPARE_NOT_FOUND');
    return found;
  }

  /**
   * Why a window for `merchantUid` with this amount may not open: the registered amount (and
   * currency, when one was registered) differ. Nothing registered: no violation.
   */
  async violations(storeId: number, merchantUid: string, amount: number, currency: Currency): Promise<FieldViolation[]> {
    const prepared = await this.deps.store.paymentPrepares.find(storeId, merchantUid);
    if (!prepared) return [];
    if (prepared.currency !== null && prepared.currency !== currency) {
      return [{ field: 'currency', rule: `사전 등록된 통화(${prepared.currency})와 요청 통화(${currency})가 일치하지 않습니다` }];
    }
    const preparedCurrency = prepared.currency ?? 'KRW';
    if (fromMinorUnits(prepared.amount, preparedCurrency) !== fromMinorUnits(amount, currency)) {
      return [
        {
          field: 'amount',
          rule: `사전 등록된 결제금액(${fromMinorUnits(prepared.amount, preparedCurrency)})과 요청 금액(${fromMinorUnits(amount, currency)})이 일치하지 않습니다`,
        },
      ];
    }
    return [];
  }
}

function readAmount(input: PrepareInput): { amount: number; currency: Currency | null } {
  const violations: FieldViolation[] = [];
  let currency: Currency | null = null;
  if (input.currency !== undefined && input.currency !== null && input.currency !== '') {
    if (isCurrency(input.currency)) currency = input.currency;
    else violations.push({ field: 'currency', rule: '지원하지 않는 화폐 단위입니다' });
  }
  const problem = amountProblem(input.amount, currency ?? 'KRW');
  if (problem) violations.push({ field: 'amount', rule: problem });
  if (violations.length > 0) throw invalidParameter(violations);
  return { amount: toMinorUnits(input.amount, currency ?? 'KRW')!, currency };
}
