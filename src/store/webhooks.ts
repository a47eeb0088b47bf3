import type { Kysely, Selectable } from 'kysely';
import type { WebhookContentType, WebhookSchedule } from '../domain/webhooks';
import type { StoreDialect } from './dialect';
import { paymentEventFromRow } from './payments';
import type { Database, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookSettingsTable } from './schema';
import type {
  NewWebhookDelivery,
  UndispatchedEvent,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryState,
  WebhookRepository,
  WebhookSettingsRecord,
  WebhookSettingsRepository,
} from './types';
import { fromBool, parseJsonObject, toBool, toDate, toDateOrNull, toMs, toMsOrNull } from './rows';

function settingsFromRow(row: Selectable<WebhookSettingsTable>): WebhookSettingsRecord {
  return {
    storeId: Number(row.store_id),
    liveUrl: row.live_url,
    testUrl: row.test_url,
    contentType: row.content_type as WebhookContentType,
    schedule: row.schedule as WebhookSchedule,
    secretSealed: row.secret_sealed,
    previousSecretSealed: row.previous_secret_sealed,
    previousSecretExpiresAt: toDateOrNull(row.previous_secret_expires_at),
    confirmUrl: row.confirm_url,
    confirmEnabled: toBool(row.confirm_enabled),
    updatedAt: toDate(row.updated_at),
  };
}

function settingsRow(record: WebhookSettingsRecord) {
  return {
    store_id: record.storeId,
    live_url: record.liveUrl,
    test_url: record.testUrl,
    content_type: record.contentType,
    schedule: record.schedule,
    secret_sealed: record.secretSealed,
    previous_secret_sealed: record.previousSecretSealed,
    previous_secret_expires_at: toMsOrNull(record.previousSecretExpiresAt),
    confirm_url: record.confirmUrl,
    confirm_enabled: fromBool(record.confirmEnabled),
    updated_at: toMs(record.updatedAt),
  };
}

export class KyselyWebhookSettingsRepository implements WebhookSettingsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async find(storeId: number, options: { lock?: boolean } = {}): Promise<WebhookSettingsRecord | null> {
    let query = this.db.selectFrom('webhook_settings').selectAll().where('store_id', '=', storeId);
    // SQLite's transactions already hold the write lock (BEGIN IMMEDIATE).
    if (options.lock && this.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row ? settingsFromRow(row) : null;
  }

  async createIfAbsent(record: WebhookSettingsRecord): Promise<WebhookSettingsRecord> {
    await this.db
      .insertInto('webhook_settings')
      .values(settingsRow(record))
      .onConflict((oc) => oc.column('store_id').doNothing())
      .execute();
    return settingsFromRow(await this.db.selectFrom('webhook_settings').selectAll().where('store_id', '=', record.storeId).executeTakeFirstOrThrow());
  }


  async upsert(record: WebhookSettingsRecord): Promise<WebhookSettingsRecord> {
    const { store_id: _, ...values } = settingsRow(record);
    const row = await this.db
      .insertInto('webhook_settings')
      .values(settingsRow(record))
      .onConflict((oc) => oc.column('store_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    return settingsFromRow(row);
  }

}

function deliveryFromRow(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: Number(row.id),
    webhookId: row.webhook_id,
    storeId: Number(row.store_id),
    paymentId: row.payment_id === null ? null : Number(row.payment_id),
    eventId: row.event_id === null ? null : Number(row.event_id),
    kind: row.kind as WebhookDelivery['kind'],
    url: row.url,
    contentType: row.content_type as WebhookContentType,
    payload: parseJsonObject(row.payload) as Record<string, string>,
    schedule: row.schedule as WebhookSchedule,
    state: row.state as WebhookDeliveryState,
    attempts: Number(row.attempts),
    nextAttemptAt: toDateOrNull(row.next_attempt_at),
    leaseToken: row.lease_token,
    leaseUntil: toDateOrNull(row.lease_until),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function attemptFromRow(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    id: Number(row.id),
    deliveryId: Number(row.delivery_id),
    storeId: Number(row.store_id),
    attemptedAt: toDate(row.attempted_at),
    status: row.status === null ? null : Number(row.status),
    latencyMs: Number(row.latency_ms),
    error: row.error,
    responseExcerpt: row.response_excerpt,
  };
}

export class KyselyWebhookRepository implements WebhookRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async takeUndispatchedEvents(limit: number): Promise<UndispatchedEvent[]> {
    let query = this.db.selectFrom('payment_events').selectAll().where('dispatched_at', 'is', null).orderBy('id').limit(limit);
    // Two dispatchers on PostgreSQL skip each other's events; SQLite's write lock serializes them.
    if (this.dialect === 'postgres') query = query.forUpdate().skipLocked();
    const rows = await query.execute();
    return rows.map(paymentEventFromRow);
  }

  async markDispatched(eventIds: number[], now: Date): Promise<void> {
    if (eventIds.length === 0) return;
    await this.db.updateTable('payment_events').set({ dispatched_at: toMs(now) }).where('id', 'in', eventIds).execute();
  }

  async insertDeliveries(deliveries: NewWebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db
      .insertInto('webhook_deliveries')
      .values(
        deliveries.map((d) => ({
          webhook_id: d.webhookId,
          store_id: d.storeId,
          payment_id: d.paymentId,
          event_id: d.eventId,
          kind: d.kind,
          url: d.url,
          content_type: d.contentType,
          payload: JSON.stringify(d.payload),
          schedule: d.schedule,
          state: 'pending',
          attempts: 0,
          next_attempt_at: toMsOrNull(d.nextAttemptAt),
          lease_token: null,
          lease_until: null,
          last_status: null,
          last_error: null,
          created_at: toMs(d.createdAt),
          updated_at: toMs(d.createdAt),
        })),
      )
      .onConflict((oc) => oc.columns(['event_id', 'url']).doNothing())
      .execute();
  }

  async leaseDue(now: Date, limit: number, lease: { token: string; until: Date }): Promise<WebhookDelivery[]> {
    const nowMs = toMs(now);
    const due = this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', nowMs)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowMs)]))
      // One payment's webhooks reach a URL in order (ready before paid): a delivery waits while
      // an earlier one of the same payment to the same URL is still pending.
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries as earlier')
              .select('earlier.id')
              .whereRef('earlier.payment_id', '=', 'webhook_deliveries.payment_id')
              .whereRef('earlier.url', '=', 'webhook_deliveries.url')
              .whereRef('earlier.id', '<', 'webhook_deliveries.id')
              .where('earlier.state', '=', 'pending'),
          ),
        ),
      )
      .orderBy('next_attempt_at')
      .limit(limit);
    const ids = this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
    // One statement: on SQLite it runs under the write lock, on PostgreSQL the subquery skips rows
    // another instance is leasing at this moment. The lease condition is repeated in the update so
    // a row leased between the two is not taken twice.
    const rows = await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        lease_token: lease.token,
        lease_until: toMs(lease.until),
        attempts: eb('attempts', '+', 1),
        updated_at: nowMs,
      }))
      .where('id', 'in', ids)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowMs)]))
      .returningAll()
      .execute();
    return rows.map(deliveryFromRow).sort((a, b) => (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0));
  }

  async recordAttempt(
    delivery: Pick<WebhookDelivery, 'id' | 'storeId'>,
    leaseToken: string,
    attempt: Omit<WebhookAttempt, 'id' | 'deliveryId' | 'storeId'>,
    next: { state: WebhookDeliveryState; nextAttemptAt: Date | null },
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('webhook_deliveries')
        .set({
          state: next.state,
          next_attempt_at: toMsOrNull(next.nextAttemptAt),
          lease_token: null,
          lease_until: null,
          last_status: attempt.status,
          last_error: attempt.error,
          updated_at: toMs(attempt.attemptedAt),
        })
        .where('id', '=', delivery.id)
        .where('store_id', '=', delivery.storeId)
        .where('lease_token', '=', leaseToken)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: delivery.id,
          store_id: delivery.storeId,
          attempted_at: toMs(attempt.attemptedAt),
          status: attempt.status,
          latency_ms: Math.round(attempt.latencyMs),
          error: attempt.error,
          response_excerpt: attempt.responseExcerpt,
        })
        .execute();
      return true;
    });
  }

  async leaseOne(storeId: number, webhookId: string, now: Date, lease: { token: string; until: Date }): Promise<WebhookDelivery | null> {
    const nowMs = toMs(now);
    const row = await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ lease_token: lease.token, lease_until: toMs(lease.until), attempts: eb('attempts', '+', 1), updated_at: nowMs }))
      .where('store_id', '=', storeId)
      .where('webhook_id', '=', webhookId)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowMs)]))
      .returningAll()
      .executeTakeFirst();
    return row ? deliveryFromRow(row) : null;
  }

  async findDelivery(storeId: number, webhookId: string): Promise<WebhookDelivery | null> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('webhook_id', '=', webhookId)
      .executeTakeFirst();
    return row ? deliveryFromRow(row) : null;
  }

  async listDeliveries(
    storeId: number,
    filter: { paymentId?: number; state?: WebhookDeliveryState; from?: Date; to?: Date; limit: number },
  ): Promise<WebhookDelivery[]> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll().where('store_id', '=', storeId);
    if (filter.paymentId !== undefined) query = query.where('payment_id', '=', filter.paymentId);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    if (filter.from !== undefined) query = query.where('created_at', '>=', toMs(filter.from));
    if (filter.to !== undefined) query = query.where('created_at', '<=', toMs(filter.to));
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(deliveryFromRow);
  }

  async attemptsOf(storeId: number, deliveryIds: number[]): Promise<WebhookAttempt[]> {
    if (deliveryIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('delivery_id', 'in', deliveryIds)
      .orderBy('id')
      .execute();
    return rows.map(attemptFromRow);
  }

  async resend(storeId: number, webhookId: string, now: Date): Promise<boolean> {
    const nowMs = toMs(now);
    const updated = await this.db
      .updateTable('webhook_deliveries')
      .set({ state: 'pending', next_attempt_at: nowMs, updated_at: nowMs })
      .where('store_id', '=', storeId)
      .where('webhook_id', '=', webhookId)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowMs)]))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }
}

