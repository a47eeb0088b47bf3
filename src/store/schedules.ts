import { sql, type ExpressionBuilder, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Currency } from '../domain/money';
import type { NewPaymentSchedule, PaymentSchedule, ScheduleStatus } from '../domain/schedules';
import { isUniqueViolation, type StoreDialect } from './dialect';
import { parseJsonObject, toDate, toDateOrNull, toMs, toMsOrNull } from './rows';
import type { Database, PaymentSchedulesTable } from './schema';
import type { ScheduleInsertResult, ScheduleLease, SchedulePage, ScheduleRepository, ScheduleRunOutcome } from './types';

function scheduleFromRow(row: Selectable<PaymentSchedulesTable>): PaymentSchedule {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(row.id),
    storeId: Number(row.store_id),
    merchantUid: row.merchant_uid,
    customerUid: row.customer_uid,
    customerId: row.customer_id,
    scheduleAt: toDate(row.schedule_at),
    amount: Number(row.amount),
    currency: row.currency as Currency,
    taxFree: num(row.tax_free),
    vatAmount: num(row.vat_amount),
    name: row.name,
    buyerName: row.buyer_name,
    buyerEmail: row.buyer_email,
    buyerTel: row.buyer_tel,
    buyerAddr: row.buyer_addr,
    buyerPostcode: row.buyer_postcode,
    customData: row.custom_data,
    noticeUrl: row.notice_url,
    chargeFields: parseJsonObject(row.charge_fields),
    status: row.status as ScheduleStatus,
    paymentId: num(row.payment_id),
    impUid: row.imp_uid,
    executedAt: toDateOrNull(row.executed_at),
    revokedAt: toDateOrNull(row.revoked_at),
    failReason: row.fail_reason,
    runAfterPaymentId: num(row.run_after_payment_id),
    leaseToken: row.lease_token,
    leaseUntil: toDateOrNull(row.lease_until),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

type Eb = ExpressionBuilder<Database, 'payment_schedules'>;

/** A row a scheduler may take at `nowMs`: due and waiting, or running under a lease that ran out. */
function takeable(eb: Eb, nowMs: number) {
  return eb.or([
    eb.and([eb('status', '=', 'scheduled'), eb('schedule_at', '<=', nowMs)]),
    eb.and([eb('status', '=', 'running'), eb('lease_until', '<', nowMs)]),
  ]);
}

/**
 * The payment-id floor of a run: kept when a running row is taken over (its run goes on), else the
 * highest payment id of the order now — every payment this run makes comes above it.
 */
function runFloor(eb: Eb) {
  const highest = eb
    .selectFrom('payments')
    .select((p) => p.fn.coalesce(p.fn.max('payments.id'), sql<number>`0`).as('highest'))
    .whereRef('payments.store_id', '=', 'payment_schedules.store_id')
    .whereRef('payments.merchant_uid', '=', 'payment_schedules.merchant_uid');
  return eb.case().when('status', '=', 'running').then(eb.ref('run_after_payment_id')).else(highest).end();
}

export class KyselyScheduleRepository implements ScheduleRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async insertMany(schedules: readonly NewPaymentSchedule[]): Promise<ScheduleInsertResult> {
    if (schedules.length === 0) return { ok: true, schedules: [] };
    try {
      // One statement: all of them or none.
      const rows = await this.db
        .insertInto('payment_schedules')
        .values(
          schedules.map((s) => ({
            store_id: s.storeId,
            merchant_uid: s.merchantUid,
            customer_uid: s.customerUid,
            customer_id: s.customerId,
            schedule_at: toMs(s.scheduleAt),
            amount: s.amount,
            currency: s.currency,
            tax_free: s.taxFree,
            vat_amount: s.vatAmount,
            name: s.name,
            buyer_name: s.buyerName,
            buyer_email: s.buyerEmail,
            buyer_tel: s.buyerTel,
            buyer_addr: s.buyerAddr,
            buyer_postcode: s.buyerPostcode,
            custom_data: s.customData,
            notice_url: s.noticeUrl,
            charge_fields: JSON.stringify(s.chargeFields),
            status: 'scheduled',
            payment_id: null,
            imp_uid: null,
            executed_at: null,
            revoked_at: null,
            fail_reason: null,
            run_after_payment_id: null,
            lease_token: null,
            lease_until: null,
            created_at: toMs(s.createdAt),
            updated_at: toMs(s.createdAt),
          })),
        )
        .returningAll()
        .execute();
      const byUid = new Map(rows.map((r) => [r.merchant_uid, scheduleFromRow(r)] as const));
      return { ok: true, schedules: schedules.map((s) => byUid.get(s.merchantUid) as PaymentSchedule) };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const storeId = schedules[0]!.storeId;
      const taken = await this.findMany(storeId, schedules.map((s) => s.merchantUid));
      // Taken by a schedule that appeared meanwhile and is gone again: report the first asked.
      return { ok: false, merchantUid: taken[0]?.merchantUid ?? schedules[0]!.merchantUid };
    }
  }

  async find(storeId: number, merchantUid: string): Promise<PaymentSchedule | null> {
    const row = await this.db.selectFrom('payment_schedules').selectAll().where('store_id', '=', storeId).where('merchant_uid', '=', merchantUid).executeTakeFirst();
    return row ? scheduleFromRow(row) : null;
  }

  async findMany(storeId: number, merchantUids: readonly string[]): Promise<PaymentSchedule[]> {
    if (merchantUids.length === 0) return [];
    const rows = await this.db.selectFrom('payment_schedules').selectAll().where('store_id', '=', storeId).where('merchant_uid', 'in', [...merchantUids]).orderBy('id').execute();
    return rows.map(scheduleFromRow);
  }

  async list(
    storeId: number,
    filter: { from: Date; to: Date; statuses?: readonly ScheduleStatus[]; customerUid?: string },
    page: { offset: number; limit: number; order: 'asc' | 'desc' },
  ): Promise<SchedulePage> {
    let query = this.db
      .selectFrom('payment_schedules')
      .where('store_id', '=', storeId)
      .where('schedule_at', '>=', toMs(filter.from))
      .where('schedule_at', '<', toMs(filter.to));
    if (filter.customerUid !== undefined) query = query.where('customer_uid', '=', filter.customerUid);
    if (filter.statuses !== undefined) query = query.where('status', 'in', [...filter.statuses]);
    const [count, rows] = await Promise.all([
      query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      query.selectAll().orderBy('schedule_at', page.order).orderBy('id', page.order).offset(page.offset).limit(page.limit).execute(),
    ]);
    return { total: Number(count.n), schedules: rows.map(scheduleFromRow) };
  }

  async revoke(storeId: number, filter: { customerUid?: string; merchantUids?: readonly string[] }, now: Date): Promise<PaymentSchedule[]> {
    if (filter.customerUid === undefined && filter.merchantUids === undefined) throw new Error('revoke needs a customer_uid or merchant_uids');
    if (filter.merchantUids !== undefined && filter.merchantUids.length === 0) return [];
    let query = this.db
      .updateTable('payment_schedules')
      .set({ status: 'revoked', revoked_at: toMs(now), updated_at: toMs(now) })
      .where('store_id', '=', storeId)
      .where('status', '=', 'scheduled');
    if (filter.customerUid !== undefined) query = query.where('customer_uid', '=', filter.customerUid);
    if (filter.merchantUids !== undefined) query = query.where('merchant_uid', 'in', [...filter.merchantUids]);
    const rows = await query.returningAll().execute();
    return rows.map(scheduleFromRow).sort((a, b) => a.scheduleAt.getTime() - b.scheduleAt.getTime() || a.id - b.id);
  }

  async moveScheduled(storeId: number, merchantUid: string, scheduleAt: Date, now: Date): Promise<PaymentSchedule | null> {
    const row = await this.db
      .updateTable('payment_schedules')
      .set({ schedule_at: toMs(scheduleAt), updated_at: toMs(now) })
      .where('store_id', '=', storeId)
      .where('merchant_uid', '=', merchantUid)
      .where('status', '=', 'scheduled')
      .returningAll()
      .executeTakeFirst();
    return row ? scheduleFromRow(row) : null;
  }

  async reschedule(storeId: number, merchantUid: string, scheduleAt: Date, now: Date): Promise<PaymentSchedule | null> {
    const row = await this.db
      .updateTable('payment_schedules')
      .set({
        status: 'scheduled',
        schedule_at: toMs(scheduleAt),
        executed_at: null,
        revoked_at: null,
        fail_reason: null,
        imp_uid: null,
        payment_id: null,
        updated_at: toMs(now),
      })
      .where('store_id', '=', storeId)
      .where('merchant_uid', '=', merchantUid)
      .where('status', 'in', ['failed', 'revoked'])
      .returningAll()
      .executeTakeFirst();
    return row ? scheduleFromRow(row) : null;
  }

  async takeDue(now: Date, limit: number, lease: ScheduleLease): Promise<PaymentSchedule[]> {
    const nowMs = toMs(now);
    const due = this.db
      .selectFrom('payment_schedules')
      .select('id')
      .where((eb) => takeable(eb, nowMs))
      .orderBy('schedule_at')
      .orderBy('id')
      .limit(limit);
    const ids = this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
    // One statement: on SQLite it runs under the write lock, on PostgreSQL the subquery skips rows
    // another scheduler is taking at this moment, and the condition is checked again on each row
    // as it is updated, so a row taken between the two is not taken twice.
    const rows = await this.db
      .updateTable('payment_schedules')
      .set((eb) => ({
        status: 'running',
        run_after_payment_id: runFloor(eb),
        lease_token: lease.token,
        lease_until: toMs(lease.until),
        updated_at: nowMs,
      }))
      .where('id', 'in', ids)
      .where((eb) => takeable(eb, nowMs))
      .returningAll()
      .execute();
    return rows.map(scheduleFromRow).sort((a, b) => a.scheduleAt.getTime() - b.scheduleAt.getTime() || a.id - b.id);
  }

  async takeForRetry(storeId: number, merchantUid: string, now: Date, lease: ScheduleLease): Promise<PaymentSchedule | null> {
    const nowMs = toMs(now);
    const row = await this.db
      .updateTable('payment_schedules')
      .set((eb) => ({
        status: 'running',
        run_after_payment_id: runFloor(eb),
        lease_token: lease.token,
        lease_until: toMs(lease.until),
        payment_id: null,
        imp_uid: null,
        executed_at: null,
        revoked_at: null,
        fail_reason: null,
        updated_at: nowMs,
      }))
      .where('store_id', '=', storeId)
      .where('merchant_uid', '=', merchantUid)
      .where('status', 'in', ['failed', 'revoked'])
      .returningAll()
      .executeTakeFirst();
    return row ? scheduleFromRow(row) : null;
  }

  async finish(schedule: Pick<PaymentSchedule, 'storeId' | 'id'>, leaseToken: string, outcome: ScheduleRunOutcome, now: Date): Promise<PaymentSchedule | null> {
    return this.updateHeld(schedule, leaseToken, {
        status: outcome.status,
        payment_id: outcome.paymentId,
        imp_uid: outcome.impUid,
        executed_at: toMs(outcome.executedAt),
        fail_reason: outcome.failReason,
        revoked_at: null,
        lease_token: null,
        lease_until: null,
        updated_at: toMs(now),
      });
  }

  async link(
    schedule: Pick<PaymentSchedule, 'storeId' | 'id'>,
    leaseToken: string,
    payment: { paymentId: number; impUid: string },
    leaseUntil: Date,
    now: Date,
  ): Promise<PaymentSchedule | null> {
    const row = await this.db
      .updateTable('payment_schedules')
      .set({ payment_id: payment.paymentId, imp_uid: payment.impUid, lease_until: toMs(leaseUntil), updated_at: toMs(now) })
      .where('store_id', '=', schedule.storeId)
      .where('id', '=', schedule.id)
      .where('status', '=', 'running')
      .where('lease_token', '=', leaseToken)
      .returningAll()
      .executeTakeFirst();
    return row ? scheduleFromRow(row) : null;
  }

  async release(before: PaymentSchedule, leaseToken: string, now: Date): Promise<PaymentSchedule | null> {
    return this.updateHeld(before, leaseToken, {
        status: before.status,
        payment_id: before.paymentId,
        imp_uid: before.impUid,
        executed_at: toMsOrNull(before.executedAt),
        revoked_at: toMsOrNull(before.revokedAt),
        fail_reason: before.failReason,
        lease_token: null,
        lease_until: null,
        updated_at: toMs(now),
      });
  }

  /** Updates a running schedule only while `leaseToken` still holds it (null when the lease was lost). */
  private async updateHeld(
    schedule: Pick<PaymentSchedule, 'storeId' | 'id'>,
    leaseToken: string,
    values: Updateable<PaymentSchedulesTable>,
  ): Promise<PaymentSchedule | null> {
    const row = await this.db
      .updateTable('payment_schedules')
      .set(values)
      .where('store_id', '=', schedule.storeId)
      .where('id', '=', schedule.id)
      .where('status', '=', 'running')
      .where('lease_token', '=', leaseToken)
      .returningAll()
      .executeTakeFirst();
    return row ? scheduleFromRow(row) : null;
  }
}
