import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { Cancellation } from '../../domain/cancellations';
import { EMPTY_BANK, EMPTY_CARD, type Payment } from '../../domain/payment';
import { toV1PagedPayments, toV1PagedSchedules, toV1Payment, toV1PgSetting, toV1Prepare, toV1Schedule } from '../../http/presenters';
import type { PaymentSchedule } from '../../domain/schedules';
import { newPaymentInput, SAMPLE_CARD, T0 } from '../../store/test-fixtures';
import { toV1EscrowLogis } from './routes/escrows_escrow_logis_save';
import { Envelope, V1EscrowLogisSchema, V1PagedPaymentsSchema, V1PagedSchedulesSchema, V1PaymentSchema, V1PgSettingSchema, V1PrepareSchema, V1ScheduleSchema } from './responses';

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

  it('describe every field of a schedule, waiting, run and revoked, alone and paged', () => {
    const schedule: PaymentSchedule = {
      id: 3,
      storeId: 1,
      merchantUid: 'sub0001',
      customerUid: 'cust01',
      customerId: null,
      scheduleAt: T0,
      amount: 9_900,
      currency: 'KRW',
      taxFree: null,
      vatAmount: null,
      name: '정기구독',
      buyerName: '홍길동',
      buyerEmail: null,
      buyerTel: null,
      buyerAddr: null,
      buyerPostcode: null,
      customData: null,
      noticeUrl: null,
      chargeFields: {},
      status: 'scheduled',
      paymentId: null,
      impUid: null,
      executedAt: null,
      revokedAt: null,
      failReason: null,
      runAfterPaymentId: null,
      leaseToken: null,
      leaseUntil: null,
      createdAt: T0,
      updatedAt: T0,
    };
    const ran = { ...schedule, status: 'executed' as const, paymentId: payment.id, impUid: payment.impUid, executedAt: T0 };
    expect(errors(V1ScheduleSchema, toV1Schedule({ schedule, payment: null }))).toEqual([]);
    expect(errors(V1ScheduleSchema, toV1Schedule({ schedule: ran, payment }))).toEqual([]);
    expect(errors(V1ScheduleSchema, { ...toV1Schedule({ schedule, payment: null }), extra: 1 })).not.toEqual([]);
    expect(toV1Schedule({ schedule: ran, payment })).toMatchObject({ schedule_status: 'executed', payment_status: 'paid', imp_uid: payment.impUid, executed_at: T0.getTime() / 1000, pg_provider: 'smartro_v2' });
    // A run in progress is still `scheduled` to V1; a failed one without a payment is executed/failed.
    expect(toV1Schedule({ schedule: { ...schedule, status: 'running', impUid: payment.impUid }, payment })).toMatchObject({ schedule_status: 'scheduled', imp_uid: null, payment_status: null, executed_at: 0 });
    expect(toV1Schedule({ schedule: { ...schedule, status: 'failed', executedAt: T0, failReason: '거절' }, payment: null })).toMatchObject({ schedule_status: 'executed', payment_status: 'failed', fail_reason: '거절', imp_uid: null });
    const paged = toV1PagedSchedules({ total: 2, previous: 0, next: 0, list: [{ schedule, payment: null }, { schedule: ran, payment }] });
    expect(errors(Envelope(V1PagedSchedulesSchema), { code: 0, message: null, response: paged })).toEqual([]);
  });
});
