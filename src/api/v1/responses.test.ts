import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { Cancellation } from '../../domain/cancellations';
import { EMPTY_BANK, EMPTY_CARD, type Payment } from '../../domain/payment';
import { toV1PagedPayments, toV1Payment, toV1PgSetting, toV1Prepare } from '../../http/presenters';
import { newPaymentInput, SAMPLE_CARD, T0 } from '../../store/test-fixtures';
import { toV1EscrowLogis } from './routes/escrows_escrow_logis_save';
import { Envelope, V1EscrowLogisSchema, V1PagedPaymentsSchema, V1PaymentSchema, V1PgSettingSchema, V1PrepareSchema } from './responses';

const payment: Payment = {
  ...newPaymentInput(1, 1, { amount: 10_000, payMethod: 'card' }),
  id: 7,
  pgTid: 'gyeolsim01010126011512000001234',
  cancelAmount: 4_000,
  cancelReserved: 0,
  approvalState: 'approved',
  approvalRequestedAt: T0,
  approvalUnverified: false,
  reconcileAfter: null,
  reconcileAttempts: 0,
  pgAuthSealed: null,
  card: SAMPLE_CARD,
  bank: EMPTY_BANK,
  vbank: null,
  embPgProvider: null,
  failReason: null,
  failCode: null,
  receiptUrl: 'https://pg.example/receipt',
  status: 'paid',
  paidAt: T0,
  failedAt: null,
  cancelledAt: T0,
  updatedAt: T0,
};

const cancellation: Cancellation = {
  id: 1,
  storeId: 1,
  paymentId: 7,
  cancellationId: 'cncl_AAAAAAAAAAAAAAAAAAAA',
  kind: 'cancel',
  seq: 1,
  amount: 4_000,
  taxFree: 0,
  vatAmount: null,
  reason: '부분 반품',
  state: 'done',
  pgTid: 'gyeolsim01010126011512000009999',
  receiptUrl: null,
  resultCode: '2001',
  resultMessage: '취소 성공',
  enableWebhook: false,
  refundSealed: null,
  requestedAt: T0,
  cancelledAt: T0,
  reconcileAfter: null,
  reconcileAttempts: 0,
  updatedAt: T0,
};

/** The schema's own errors for a value, for a readable failure. */
const errors = (schema: Parameters<typeof Value.Errors>[0], value: unknown) => [...Value.Errors(schema, value)].map((e) => `${e.path} ${e.message}`);

describe('V1 answer schemas (the OpenAPI document) against the presenters', () => {
  it('describe every field of a payment, with and without cancels, and nothing more', () => {
    expect(errors(V1PaymentSchema, toV1Payment(payment, [cancellation]))).toEqual([]);
    expect(errors(V1PaymentSchema, toV1Payment({ ...payment, card: EMPTY_CARD, cancelAmount: 0, cancelledAt: null }))).toEqual([]);
    // The schema is closed: a field the presenter adds without describing it fails here.
    expect(errors(V1PaymentSchema, { ...toV1Payment(payment), extra: 1 })).not.toEqual([]);
    expect(toV1Payment(payment, [cancellation]).cancel_history).toEqual([
      { pg_tid: cancellation.pgTid, amount: 4_000, cancelled_at: T0.getTime() / 1000, reason: '부분 반품', cancellation_id: cancellation.cancellationId, receipt_url: null },
    ]);
  });

  it('describe paged lists, prepared amounts and PG settings inside the envelope', () => {
    const paged = toV1PagedPayments({ total: 1, previous: 0, next: 0, payments: [{ payment, cancellations: [cancellation] }] });
    expect(errors(Envelope(V1PagedPaymentsSchema), { code: 0, message: null, response: paged })).toEqual([]);
    expect(errors(V1PrepareSchema, toV1Prepare({ merchantUid: 'order1', amount: 1000, currency: null }))).toEqual([]);
    expect(errors(V1PgSettingSchema, toV1PgSetting({ pgProvider: 'smartro_v2', pgId: 'gyeolsim01', testMode: true, name: '테스트', channelKey: 'channel-key-1' }))).toEqual([]);
    expect(errors(Envelope(V1PaymentSchema), { code: 1, message: '이미 전액취소된 주문입니다.', response: null })).toEqual([]);
    expect(errors(V1EscrowLogisSchema, toV1EscrowLogis({ company: 'CJGLS', invoice: '123456789', sentAt: T0, appliedAt: T0 } as never))).toEqual([]);
  });
});
