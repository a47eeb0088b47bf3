/**
 * Webhooks (DESIGN §5, V1 §4) from a transactional outbox: the domain events written with each
 * state change are turned into deliveries (one per target URL), and deliveries are sent, retried
 * and recorded attempt by attempt. Signed with Standard Webhooks headers; a V1 receiver that
 * ignores headers keeps working.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AppError, invalidParameter, type FieldViolation } from '../domain/errors';
import { afterAttempt, webhookStatusOf, WEBHOOK_CONTENT_TYPES, WEBHOOK_SCHEDULES, type WebhookContentType, type WebhookPayload, type WebhookSchedule } from '../domain/webhooks';
import type { Repositories, NewWebhookDelivery, WebhookAttempt, WebhookDelivery, WebhookDeliveryState, WebhookSettingsRecord } from '../store/types';
import type { OutboundResult, ServiceDeps } from './deps';

export type { WebhookAttempt, WebhookDelivery, WebhookDeliveryState };

/** How much of a receiver's answer is kept with an attempt. */
const EXCERPT_BYTES = 1024;
/** How much of it is read at all. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Default overlap of a rotated secret: both sign for a day. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** A store's webhook settings as operators see them (the secret in clear: they need it to verify). */
export interface WebhookSettingsView {
  liveUrl: string | null;
  testUrl: string | null;
  contentType: WebhookContentType;
  schedule: WebhookSchedule;
  /** `whsec_…`: verifies the `webhook-signature` header. */
  secret: string;
  /** Until when the previous secret still signs too (after a rotation). */
  previousSecretExpiresAt: Date | null;
  confirmUrl: string | null;
  confirmEnabled: boolean;
}

export interface WebhookSettingsPatch {
  liveUrl?: string | null;
  testUrl?: string | null;
  contentType?: WebhookContentType;
  schedule?: WebhookSchedule;
  confirmUrl?: string | null;
  confirmEnabled?: boolean;
}

export interface DeliveryWithAttempts extends WebhookDelivery {
  attemptLog: WebhookAttempt[];
}

/** A new `whsec_` secret: 24 random bytes, base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The Standard Webhooks signature of one message: `v1,` + base64 HMAC-SHA256 over
 * `{id}.{timestamp}.{body}`, keyed with the secret's bytes (the base64 after `whsec_`).
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The body as sent, per the store's content type. */
export function encodeWebhookBody(contentType: WebhookContentType, payload: Record<string, string>): { body: string; mediaType: string } {
  if (contentType === 'form') return { body: new URLSearchParams(payload).toString(), mediaType: 'application/x-www-form-urlencoded' };
  return { body: JSON.stringify(payload), mediaType: 'application/json' };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** notice_url as stored on a payment: a JSON array of URLs (string or array in the request). */
function noticeUrlsOf(noticeUrl: string | null): string[] {
  if (!noticeUrl) return [];
  try {
    const parsed: unknown = JSON.parse(noticeUrl);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.filter((u): u is string => typeof u === 'string' && isHttpUrl(u));
  } catch {
    return isHttpUrl(noticeUrl) ? [noticeUrl] : [];
  }
}

const newWebhookId = () => `msg_${randomBytes(18).toString('base64url')}`;

export class WebhookService {
  constructor(private readonly deps: ServiceDeps) {}

  // ---- settings ------------------------------------------------------------------------------

  /** The store's settings, created with defaults (JSON, the gyeol schedule, a new secret) on first use. */
  async settingsRecord(storeId: number, repos: Pick<Repositories, 'webhookSettings'> = this.deps.store, options: { lock?: boolean } = {}): Promise<WebhookSettingsRecord> {
    const found = await repos.webhookSettings.find(storeId, options);
    if (found) return found;
    // Two first uses at once agree on one row (and so on one secret).
    await repos.webhookSettings.createIfAbsent({
      storeId,
      liveUrl: null,
      testUrl: null,
      contentType: 'json',
      schedule: 'gyeol',
      secretSealed: this.deps.secretBox.seal(newWebhookSecret()),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      confirmUrl: null,
      confirmEnabled: false,
      updatedAt: this.deps.clock.now(),
    });
    return (await repos.webhookSettings.find(storeId, options)) as WebhookSettingsRecord;
  }

  async settings(storeId: number): Promise<WebhookSettingsView> {
    return this.view(await this.settingsRecord(storeId));
  }

  /**
   * Changes the given settings.
   * @throws AppError INVALID_PARAMETER naming each field that breaks a rule; nothing changes then
   */
  async updateSettings(storeId: number, patch: WebhookSettingsPatch): Promise<WebhookSettingsView> {
    const problems: FieldViolation[] = [];
    for (const [field, value] of [
      ['live_url', patch.liveUrl],
      ['test_url', patch.testUrl],
      ['confirm_url', patch.confirmUrl],
    ] as const) {
      if (value !== undefined && value !== null && (!isHttpUrl(value) || value.length > 2000)) {
        problems.push({ field, rule: 'http(s)로 시작하는 전체 URL이어야 합니다 (2000자 이내)' });
      }
    }
    if (patch.contentType !== undefined && !WEBHOOK_CONTENT_TYPES.includes(patch.contentType)) {
      problems.push({ field: 'content_type', rule: `${WEBHOOK_CONTENT_TYPES.join(', ')} 중 하나여야 합니다` });
    }
    if (patch.schedule !== undefined && !WEBHOOK_SCHEDULES.includes(patch.schedule)) {
      problems.push({ field: 'retry_schedule', rule: `${WEBHOOK_SCHEDULES.join(', ')} 중 하나여야 합니다` });
    }
    // Read, change and write under the row's lock: two concurrent changes never lose one.
    return this.deps.store.transaction(async (repos) => {
      const current = await this.settingsRecord(storeId, repos, { lock: true });
      const next = { ...current };
      if (patch.liveUrl !== undefined) next.liveUrl = patch.liveUrl;
      if (patch.testUrl !== undefined) next.testUrl = patch.testUrl;
      if (patch.contentType !== undefined) next.contentType = patch.contentType;
      if (patch.schedule !== undefined) next.schedule = patch.schedule;
      if (patch.confirmUrl !== undefined) next.confirmUrl = patch.confirmUrl;
      if (patch.confirmEnabled !== undefined) next.confirmEnabled = patch.confirmEnabled;
      if (next.confirmEnabled && !next.confirmUrl) problems.push({ field: 'confirm_url', rule: 'confirm 프로세스를 켜려면 confirm_url이 필요합니다' });
      if (problems.length > 0) throw invalidParameter(problems);
      next.updatedAt = this.deps.clock.now();
      return this.view(await repos.webhookSettings.upsert(next));
    });
  }

  /**
   * A new signing secret; the old one keeps signing (both signatures are sent) for `overlapMs`,
   * so receivers can switch without dropping a webhook.
   */
  async rotateSecret(storeId: number, overlapMs = DEFAULT_ROTATION_OVERLAP_MS): Promise<WebhookSettingsView> {
    if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > 7 * 24 * 60 * 60 * 1000) {
      throw invalidParameter([{ field: 'overlap_seconds', rule: '0 이상 604800(7일) 이하의 정수여야 합니다' }]);
    }
    return this.deps.store.transaction(async (repos) => {
      const current = await this.settingsRecord(storeId, repos, { lock: true });
      const now = this.deps.clock.now();
      return this.view(
        await repos.webhookSettings.upsert({
          ...current,
          secretSealed: this.deps.secretBox.seal(newWebhookSecret()),
          previousSecretSealed: overlapMs > 0 ? current.secretSealed : null,
          previousSecretExpiresAt: overlapMs > 0 ? new Date(now.getTime() + overlapMs) : null,
          updatedAt: now,
        }),
      );
    });
  }

  // ---- the outbox ----------------------------------------------------------------------------

  /**
   * Turns undispatched domain events into deliveries, in one transaction with marking them
   * dispatched: an event is expanded exactly once, whatever crashes.
   * @returns how many events were dispatched
   */
  async dispatchEvents(limit = 100): Promise<number> {
    return this.deps.store.transaction(async (repos) => {
      const events = await repos.webhooks.takeUndispatchedEvents(limit);
      if (events.length === 0) return 0;
      const now = this.deps.clock.now();
      const deliveries: NewWebhookDelivery[] = [];
      for (const event of events) {
        const payment = await repos.payments.findById(event.storeId, event.paymentId);
        if (!payment) continue;
        const status = webhookStatusOf(event.type, payment.customerUidUsage);
        if (status === null) continue;
        const settings = await this.settingsRecord(event.storeId, repos);
        const storeUrl = payment.sandbox ? settings.testUrl : settings.liveUrl;
        const notice = noticeUrlsOf(payment.noticeUrl);
        const urls = notice.length > 0 ? notice : storeUrl ? [storeUrl] : [];
        const payload: WebhookPayload = {
          imp_uid: event.impUid,
          merchant_uid: event.merchantUid,
          status,
          ...(event.cancellationId ? { cancellation_id: event.cancellationId } : {}),
        };
        for (const url of [...new Set(urls)]) {
          deliveries.push({
            webhookId: newWebhookId(),
            storeId: event.storeId,
            paymentId: event.paymentId,
            eventId: event.id,
            kind: 'event',
            url,
            contentType: settings.contentType,
            payload: { ...payload },
            schedule: settings.schedule,
            nextAttemptAt: now,
            createdAt: now,
          });
        }
      }
      await repos.webhooks.insertDeliveries(deliveries);
      await repos.webhooks.markDispatched(
        events.map((e) => e.id),
        now,
      );
      return events.length;
    });
  }

  /**
   * Sends the deliveries that are due, each under a lease (a sender that dies loses it and the
   * delivery is sent again), and records every attempt.
   * @returns how many were attempted
   */
  async deliverDue(limit = 20): Promise<number> {
    const now = this.deps.clock.now();
    const { connectTimeoutMs, readTimeoutMs } = this.deps.webhooks;
    const token = randomBytes(12).toString('base64url');
    const leased = await this.deps.store.webhooks.leaseDue(now, limit, {
      token,
      until: new Date(now.getTime() + connectTimeoutMs + readTimeoutMs + 5_000),
    });
    await Promise.all(leased.map((delivery) => this.attempt(delivery, token)));
    return leased.length;
  }

  /** Sends one leased delivery once and records the attempt and what comes next. */
  private async attempt(delivery: WebhookDelivery, leaseToken: string): Promise<void> {
    const settings = await this.settingsRecord(delivery.storeId);
    const result = await this.send(delivery, settings);
    const now = this.deps.clock.now();
    const next = afterAttempt(
      delivery.schedule,
      delivery.attempts,
      result.ok ? { kind: 'answered', status: result.status } : { kind: 'no-answer' },
      { createdAt: delivery.createdAt, now },
      this.deps.webhooks.timing,
      Math.random(),
    );
    const recorded = await this.deps.store.webhooks.recordAttempt(
      delivery,
      leaseToken,
      {
        attemptedAt: now,
        status: result.ok ? result.status : null,
        latencyMs: result.latencyMs,
        error: result.ok ? null : `${result.error}: ${result.message}`.slice(0, 500),
        responseExcerpt: result.ok ? excerpt(result.body) : null,
      },
      { state: next.state, nextAttemptAt: next.state === 'pending' ? next.nextAttemptAt : null },
    );
    if (!recorded) this.deps.logger.warn({ webhookId: delivery.webhookId }, 'webhook lease lost before the attempt was recorded');
    const level = next.state === 'failed' ? 'warn' : 'info';
    this.deps.logger[level](
      { webhookId: delivery.webhookId, url: delivery.url, attempt: delivery.attempts, status: result.ok ? result.status : result.error, next: next.state },
      'webhook attempt',
    );
  }

  private send(delivery: Pick<WebhookDelivery, 'webhookId' | 'url' | 'contentType' | 'payload'>, settings: WebhookSettingsRecord): Promise<OutboundResult> {
    const { body, mediaType } = encodeWebhookBody(delivery.contentType, delivery.payload);
    const timestamp = Math.floor(this.deps.clock.now().getTime() / 1000);
    const secrets = [this.deps.secretBox.open(settings.secretSealed)];
    const previousValid = settings.previousSecretSealed && settings.previousSecretExpiresAt && settings.previousSecretExpiresAt.getTime() > this.deps.clock.now().getTime();
    if (previousValid) secrets.push(this.deps.secretBox.open(settings.previousSecretSealed as string));
    return this.deps.outbound.post({
      url: delivery.url,
      headers: {
        'content-type': mediaType,
        'user-agent': 'gyeol-webhook/1',
        'webhook-id': delivery.webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': secrets.map((secret) => signWebhook(secret, delivery.webhookId, timestamp, body)).join(' '),
      },
      body,
      connectTimeoutMs: this.deps.webhooks.connectTimeoutMs,
      readTimeoutMs: this.deps.webhooks.readTimeoutMs,
      maxResponseBytes: MAX_ANSWER_BYTES,
    });
  }

  // ---- operations ----------------------------------------------------------------------------

  /** The store's deliveries, newest first, each with its attempts. */
  async listDeliveries(
    storeId: number,
    filter: { impUid?: string; state?: WebhookDeliveryState; from?: Date; to?: Date; limit?: number },
  ): Promise<DeliveryWithAttempts[]> {
    let paymentId: number | undefined;
    if (filter.impUid !== undefined) {
      const payment = await this.deps.store.payments.findByImpUid(storeId, filter.impUid);
      if (!payment) return [];
      paymentId = payment.id;
    }
    const deliveries = await this.deps.store.webhooks.listDeliveries(storeId, {
      paymentId,
      state: filter.state,
      from: filter.from,
      to: filter.to,
      limit: Math.min(Math.max(filter.limit ?? 50, 1), 200),
    });
    const attempts = await this.deps.store.webhooks.attemptsOf(
      storeId,
      deliveries.map((d) => d.id),
    );
    return deliveries.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.deliveryId === d.id) }));
  }

  /**
   * Sends a delivery again (same webhook id, so a receiver that processed it can drop the copy).
   * @throws AppError WEBHOOK_NOT_FOUND, WEBHOOK_IN_FLIGHT
   */
  async resend(storeId: number, webhookId: string): Promise<WebhookDelivery> {
    const found = await this.deps.store.webhooks.findDelivery(storeId, webhookId);
    if (!found) throw new AppError('WEBHOOK_NOT_FOUND');
    if (!(await this.deps.store.webhooks.resend(storeId, webhookId, this.deps.clock.now()))) throw new AppError('WEBHOOK_IN_FLIGHT');
    return (await this.deps.store.webhooks.findDelivery(storeId, webhookId)) as WebhookDelivery;
  }

  /**
   * V1 console's 호출 테스트: sends a test webhook to the store's URL (or `url`) now, once, and
   * records it like any delivery.
   * @throws AppError INVALID_PARAMETER when there is no URL to send to
   */
  async sendTest(storeId: number, options: { url?: string; test?: boolean } = {}): Promise<DeliveryWithAttempts> {
    const settings = await this.settingsRecord(storeId);
    const url = options.url ?? (options.test ? settings.testUrl : settings.liveUrl) ?? settings.liveUrl ?? settings.testUrl;
    if (!url || !isHttpUrl(url)) throw invalidParameter([{ field: 'url', rule: '보낼 웹훅 URL이 없습니다 (설정하거나 url로 지정해 주세요)' }]);
    const now = this.deps.clock.now();
    const delivery: NewWebhookDelivery = {
      webhookId: newWebhookId(),
      storeId,
      paymentId: null,
      eventId: null,
      kind: 'test',
      url,
      contentType: settings.contentType,
      payload: { imp_uid: 'imp_000000000000', merchant_uid: 'gyeol_webhook_test', status: 'paid' },
      schedule: 'v1-once',
      // Not due: this call sends it itself, the worker never takes it.
      nextAttemptAt: null,
      createdAt: now,
    };
    await this.deps.store.webhooks.insertDeliveries([delivery]);
    const token = randomBytes(12).toString('base64url');
    const { connectTimeoutMs, readTimeoutMs } = this.deps.webhooks;
    const leased = await this.deps.store.webhooks.leaseOne(storeId, delivery.webhookId, now, {
      token,
      until: new Date(now.getTime() + connectTimeoutMs + readTimeoutMs + 5_000),
    });
    if (!leased) throw new Error(`test webhook ${delivery.webhookId} could not be leased`);
    await this.attempt(leased, token);
    const sent = (await this.deps.store.webhooks.findDelivery(storeId, delivery.webhookId)) as WebhookDelivery;
    return { ...sent, attemptLog: await this.deps.store.webhooks.attemptsOf(storeId, [sent.id]) };
  }

  private view(record: WebhookSettingsRecord): WebhookSettingsView {
    const now = this.deps.clock.now().getTime();
    const overlap = record.previousSecretExpiresAt && record.previousSecretExpiresAt.getTime() > now ? record.previousSecretExpiresAt : null;
    return {
      liveUrl: record.liveUrl,
      testUrl: record.testUrl,
      contentType: record.contentType,
      schedule: record.schedule,
      secret: this.deps.secretBox.open(record.secretSealed),
      previousSecretExpiresAt: overlap,
      confirmUrl: record.confirmUrl,
      confirmEnabled: record.confirmEnabled,
    };
  }
}

/** At most EXCERPT_BYTES of an answer, cut on a character boundary. */
function excerpt(body: string): string {
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length <= EXCERPT_BYTES) return body;
  return bytes.subarray(0, EXCERPT_BYTES).toString('utf8').replace(/\uFFFD$/, '');
}
