import { sql, type Kysely, type Selectable } from 'kysely';
import type { WebhookContentType, WebhookSchedule } from '../domain/webhooks';
import type { StoreDialect } from './dialect';
import { paymentEventFromRow } from './payments';
import type { Database, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookSettingsTable } from './schema';
import type { CustomerUidUsage } from '../domain/payment';
import type {
  NewWebhookDelivery,
  RecordedAttempt,
  UndispatchedEvent,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryState,
  WebhookRepository,
  WebhookSettingsRecord,
  WebhookSettingsRepository,
} from './types';
import { fromBool, parseJsonObject, toBool, toDate, toDateOrNull, toMs, toMsOrNull } from './rows';

/** Rows per insert (and ids per `in` list): far below SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const INSERT_CHUNK = 500;

/** The columns written by insertDeliveries and recordAttempts, with their PostgreSQL types (for `unnest`). */
const DELIVERY_COLUMNS: Record<string, string> = {
  webhook_id: 'text',
  store_id: 'bigint',
  payment_id: 'bigint',
  event_id: 'bigint',
  kind: 'text',
  url: 'text',
  content_type: 'text',
  payload: 'text',
  schedule: 'text',
  state: 'text',
  attempts: 'integer',
  next_attempt_at: 'bigint',
  lease_token: 'text',
  lease_until: 'bigint',
  last_status: 'integer',
  last_error: 'text',
  created_at: 'bigint',
  updated_at: 'bigint',
};
const ATTEMPT_COLUMNS: Record<string, string> = {
  delivery_id: 'bigint',
  store_id: 'bigint',
  attempted_at: 'bigint',
  status: 'integer',
  latency_ms: 'integer',
  error: 'text',
  response_excerpt: 'text',
};

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
    // With what the dispatcher needs of each event's payment (where to, and which status), read
    // in the same query rather than one payment at a time.
    let query = this.db
      .selectFrom('payment_events')
      .leftJoin('payments', 'payments.id', 'payment_events.payment_id')
      .selectAll('payment_events')
      .select(['payments.id as p_id', 'payments.sandbox as p_sandbox', 'payments.notice_url as p_notice_url', 'payments.customer_uid_usage as p_customer_uid_usage'])
      .where('payment_events.dispatched_at', 'is', null)
      .orderBy('payment_events.id')
      .limit(limit);
    // Two dispatchers on PostgreSQL skip each other's events (the payments are only read, not
    // locked); SQLite's write lock serializes them.
    if (this.dialect === 'postgres') query = query.forUpdate('payment_events').skipLocked();
    const rows = await query.execute();
    return rows.map((row) => ({
      ...paymentEventFromRow(row),
      payment:
        row.p_id === null
          ? null
          : { sandbox: toBool(row.p_sandbox as number), noticeUrl: row.p_notice_url, customerUidUsage: row.p_customer_uid_usage as CustomerUidUsage | null },
    }));
  }

  async markDispatched(eventIds: number[], now: Date): Promise<void> {
    if (eventIds.length === 0) return;
    await this.db.updateTable('payment_events').set({ dispatched_at: toMs(now) }).where(this.idIn(eventIds)).execute();
  }

  /**
   * `id in (…)`: on PostgreSQL with one array parameter (`id = any($1)`), so the statement's text — and
   * its server-prepared plan (db.ts, PreparingPool: at most 256 texts a connection) — is the same
   * whatever the count; an `in (…)` list makes a new text for every length.
   */
  private idIn(ids: number[]) {
    return this.dialect === 'postgres' ? sql<boolean>`${sql.ref('id')} = any(${ids}::bigint[])` : sql<boolean>`${sql.ref('id')} in (${sql.join(ids)})`;
  }

  /** Inserts `rows` into `table`; on PostgreSQL from one array per column (`unnest`: one text whatever the count, as idIn). */
  private async insertRows<T extends 'webhook_deliveries' | 'webhook_attempts'>(
    db: Kysely<Database>,
    table: T,
    columns: Record<string, string>,
    rows: Record<string, unknown>[],
    onConflictDoNothing?: string[],
  ): Promise<void> {
    if (rows.length === 0) return;
    if (this.dialect === 'postgres') {
      const names = Object.keys(columns);
      const arrays = names.map((name) => sql`${rows.map((row) => row[name] ?? null)}::${sql.raw(columns[name]!)}[]`);
      const conflict = onConflictDoNothing ? sql` on conflict (${sql.join(onConflictDoNothing.map((c) => sql.ref(c)))}) do nothing` : sql``;
      await sql`insert into ${sql.table(table)} (${sql.join(names.map((n) => sql.ref(n)))}) select * from unnest(${sql.join(arrays)})${conflict}`.execute(db);
      return;
    }
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      let insert = db.insertInto(table).values(rows.slice(start, start + INSERT_CHUNK) as never);
      if (onConflictDoNothing) insert = insert.onConflict((oc) => oc.columns(onConflictDoNothing as never).doNothing());
      await insert.execute();
    }
  }

  async insertDeliveries(deliveries: NewWebhookDelivery[]): Promise<void> {
    await this.insertRows(
      this.db,
      'webhook_deliveries',
      DELIVERY_COLUMNS,
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
      ['event_id', 'url'],
    );
  }

  async leaseDue(now: Date, limit: number, lease: { token: string; until: Date }): Promise<WebhookDelivery[]> {
    const nowMs = toMs(now);
    // One statement: on SQLite it runs under the write lock, on PostgreSQL the due rows are locked
    // as they are read and rows another instance is leasing at this moment are skipped. The lease
    // condition is repeated in the update so a row leased between the two is not taken twice. The
    // due rows are a MATERIALIZED CTE: read (and limited) once — as an `in (subquery)` PostgreSQL
    // may run the subquery again for every row it updates, each time locking `limit` more rows.
    const take = (db: Kysely<Database>) =>
      db
        .with(
          (cte) => cte('due').materialized(),
          (db) => {
            const due = db
              .selectFrom('webhook_deliveries')
              .select('id')
              .where('state', '=', 'pending')
              .where('next_attempt_at', '<=', nowMs)
              .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowMs)]))
              // One payment's webhooks reach a URL in order (ready before paid): a delivery waits
              // while an earlier one of the same payment to the same URL is still pending.
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
            return this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
          },
        )
        .updateTable('webhook_deliveries')
        .set((eb) => ({
          lease_token: lease.token,
          lease_until: toMs(lease.until),
          attempts: eb('attempts', '+', 1),
          updated_at: nowMs,
        }))
        .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowMs)]))
        .returningAll()
        .execute();
    const rows =
      this.dialect === 'postgres'
        ? await this.inTransaction(async (trx) => {
            // The due index gives the rows in order, so the lease reads `limit` of them and stops.
            // Without statistics on the deliveries (a new table, a sudden backlog: autovacuum has
            // not analysed it yet), PostgreSQL would rather fetch every due row and sort them —
            // O(backlog) per lease, seconds at 100,000. No sort, then: only the ordered index path
            // is left. (For the rest of the transaction: callers lease last, or read by key after.)
            await sql`set local enable_sort = off`.execute(trx);
            return take(trx);
          })
        : await take(this.db);
    return rows.map(deliveryFromRow).sort((a, b) => (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0));
  }

  async recordAttempts(attempts: RecordedAttempt[]): Promise<boolean[]> {
    if (attempts.length === 0) return [];
    // Attempts whose delivery changes the same way (the common case: a lease's deliveries all
    // answered 2xx) share one conditional update; every attempt still needs its lease.
    const groups = new Map<string, number[]>();
    attempts.forEach((a, i) => {
      const key = JSON.stringify([a.delivery.storeId, a.leaseToken, a.next.state, toMsOrNull(a.next.nextAttemptAt), a.attempt.status, a.attempt.error]);
      const members = groups.get(key);
      if (members) members.push(i);
      else groups.set(key, [i]);
    });
    const held = new Array<boolean>(attempts.length).fill(false);
    await this.inTransaction(async (trx) => {
      for (const members of groups.values()) {
        const { delivery, leaseToken, next, attempt } = attempts[members[0]!]!;
        // The row changed when its group's last attempt ended.
        const updatedAt = Math.max(...members.map((i) => toMs(attempts[i]!.attempt.attemptedAt)));
        for (let start = 0; start < members.length; start += INSERT_CHUNK) {
          const chunk = members.slice(start, start + INSERT_CHUNK);
          const updated = await trx
            .updateTable('webhook_deliveries')
            .set({
              state: next.state,
              next_attempt_at: toMsOrNull(next.nextAttemptAt),
              lease_token: null,
              lease_until: null,
              last_status: attempt.status,
              last_error: attempt.error,
              updated_at: updatedAt,
            })
            .where(this.idIn(chunk.map((i) => attempts[i]!.delivery.id)))
            // Without statistics on the table, both SQLite and PostgreSQL would rather walk the
            // store's index (every delivery of the store) than take the ids one by one — 90 µs
            // instead of 3 a row on SQLite; `+store_id` keeps them off that index.
            .where(sql<number>`+${sql.ref('store_id')}`, '=', delivery.storeId)
            .where('lease_token', '=', leaseToken)
            .returning('id')
            .execute();
          const ids = new Set(updated.map((row) => Number(row.id)));
          for (const i of chunk) if (ids.has(attempts[i]!.delivery.id)) held[i] = true;
        }
      }
      const rows = attempts
        .filter((_, i) => held[i])
        .map(({ delivery, attempt }) => ({
          delivery_id: delivery.id,
          store_id: delivery.storeId,
          attempted_at: toMs(attempt.attemptedAt),
          status: attempt.status,
          latency_ms: Math.round(attempt.latencyMs),
          error: attempt.error,
          response_excerpt: attempt.responseExcerpt,
        }));
      await this.insertRows(trx, 'webhook_attempts', ATTEMPT_COLUMNS, rows);
    });
    return held;
  }

  /** `work` in a transaction: the caller's, or a new one. */
  private inTransaction<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? work(this.db) : this.db.transaction().execute(work);
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

