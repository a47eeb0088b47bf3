/**
 * Webhooks (DESIGN §5, V1 §4) from a transactional outbox: the domain events written with each
 * state change are turned into deliveries (one per target URL), and deliveries are sent, retried
 * and recorded attempt by attempt. Signed with Standard Webhooks headers; a V1 receiver that
 * ignores headers keeps working.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AppError, invalidParameter, type FieldViolation } from '../domain/errors';
import { afterAttempt, webhookStatusOf, WEBHOOK_CONTENT_TYPES, WEBHOOK_SCHEDULES, type WebhookContentType, type WebhookPayload, type WebhookSchedule } from '../domain/webhooks';
import type { Repositories, NewWebhookDelivery, RecordedAttempt, WebhookAttempt, WebhookDelivery, WebhookDeliveryState, WebhookSettingsRecord } from '../store/types';
import type { OutboundResult, ServiceDeps } from './deps';

export type { WebhookAttempt, WebhookDelivery, WebhookDeliveryState };

/** How much of a receiver's answer is kept with an attempt. */
const EXCERPT_BYTES = 1024;
/** How much of it is read at all. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Events turned into deliveries per transaction. */
const DISPATCH_BATCH = 500;
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

/** What signs a store's webhooks at one moment: the current secret, and the previous one while it overlaps. */
interface Signing {
  /** HMAC keys (the secrets' bytes), the current one first. */
  keys: Buffer[];
}

/** A delivery leased for sending, with its store's signing secrets as they were when it was leased. */
export interface LeasedDelivery {
  delivery: WebhookDelivery;
  leaseToken: string;
  signing: Signing;
}

/** One attempt made, ready to be recorded (with `recordAttempts`). */
export interface MadeAttempt extends RecordedAttempt {
  delivery: WebhookDelivery;
  /** How the attempt ended, for the log. */
  outcome: number | string;
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
  return signWith(signingKey(secret), id, timestamp, body);
}

/** The HMAC key of a `whsec_` secret: the bytes its base64 encodes. */
function signingKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

function signWith(key: Buffer, id: string, timestamp: number, body: string): string {
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
  async dispatchEvents(limit = DISPATCH_BATCH): Promise<number> {
    return this.deps.store.transaction((repos) => this.dispatchIn(repos, limit, new Map()));
  }

  /**
   * Sends the deliveries that are due, each under a lease (a sender that dies loses it and the
   * delivery is sent again), all at once, and records every attempt (one transaction).
   * @returns how many were attempted
   */
  async deliverDue(limit = 20): Promise<number> {
    const leased = await this.leaseDue(limit);
    await this.recordAttempts(await Promise.all(leased.map((l) => this.attempt(l))));
    return leased.length;
  }

  /**
   * Leases up to `limit` due deliveries (one statement; see WebhookRepository.leaseDue) with their
   * stores' signing secrets as they are now. The lease lasts connect + read timeout + 5 s from now,
   * so send them at once.
   */
  leaseDue(limit: number): Promise<LeasedDelivery[]> {
    return this.leaseIn(this.deps.store, limit, new Map());
  }

  /** Records attempts and what comes next for their deliveries, in one transaction; logs each. */
  async recordAttempts(made: MadeAttempt[]): Promise<void> {
    this.logAttempts(made, await this.deps.store.webhooks.recordAttempts(made));
  }

  /**
   * One step of the webhook worker in **one transaction** (one commit, however much it does):
   * records the attempts that finished, turns new events into deliveries (with `dispatch`), then
   * leases up to `lease` due deliveries — new ones included, so an event committed a moment ago
   * can leave at once. Send what it leased right away.
   */
  async cycle(step: { finished: MadeAttempt[]; dispatch: boolean; lease: number }): Promise<{ dispatched: number; leased: LeasedDelivery[] }> {
    const { held, dispatched, leased } = await this.deps.store.transaction(async (repos) => {
      // Each store's settings are read once in the step, by the dispatch or the lease.
      const settingsOf = new Map<number, WebhookSettingsRecord>();
      const held = step.finished.length > 0 ? await repos.webhooks.recordAttempts(step.finished) : [];
      const dispatched = step.dispatch ? await this.dispatchIn(repos, DISPATCH_BATCH, settingsOf) : 0;
      const leased = step.lease > 0 ? await this.leaseIn(repos, step.lease, settingsOf) : [];
      return { held, dispatched, leased };
    });
    this.logAttempts(step.finished, held);
    return { dispatched, leased };
  }

  /** Sends one leased delivery once; answers what to record (nothing is written here). */
  async attempt(leased: LeasedDelivery): Promise<MadeAttempt> {
    const { delivery } = leased;
    const result = await this.send(delivery, leased.signing);
    const now = this.deps.clock.now();
    const next = afterAttempt(
      delivery.schedule,
      delivery.attempts,
      result.ok ? { kind: 'answered', status: result.status } : { kind: 'no-answer' },
      { createdAt: delivery.createdAt, now },
      this.deps.webhooks.timing,
      Math.random(),
    );
    return {
      delivery,
      leaseToken: leased.leaseToken,
      attempt: {
        attemptedAt: now,
        status: result.ok ? result.status : null,
        latencyMs: result.latencyMs,
        error: result.ok ? null : `${result.error}: ${result.message}`.slice(0, 500),
        responseExcerpt: result.ok ? excerpt(result.body) : null,
      },
      next: { state: next.state, nextAttemptAt: next.state === 'pending' ? next.nextAttemptAt : null },
      outcome: result.ok ? result.status : result.error,
    };
  }

  /** Each store's settings read once per transaction (`settingsOf`); the events come with their payments' routing. */
  private async dispatchIn(repos: Repositories, limit: number, settingsOf: Map<number, WebhookSettingsRecord>): Promise<number> {
    const events = await repos.webhooks.takeUndispatchedEvents(limit);
    if (events.length === 0) return 0;
    const now = this.deps.clock.now();
    const deliveries: NewWebhookDelivery[] = [];
    for (const event of events) {
      const payment = event.payment;
      if (!payment) continue;
      const status = webhookStatusOf(event.type, payment.customerUidUsage);
      if (status === null) continue;
      let settings = settingsOf.get(event.storeId);
      if (!settings) {
        settings = await this.settingsRecord(event.storeId, repos);
        settingsOf.set(event.storeId, settings);
      }
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
  }

  private async leaseIn(repos: Repositories, limit: number, settingsOf: Map<number, WebhookSettingsRecord>): Promise<LeasedDelivery[]> {
    const now = this.deps.clock.now();
    const { connectTimeoutMs, readTimeoutMs } = this.deps.webhooks;
    const token = randomBytes(12).toString('base64url');
    const leased = await repos.webhooks.leaseDue(now, limit, {
      token,
      until: new Date(now.getTime() + connectTimeoutMs + readTimeoutMs + 5_000),
    });
    const signingOf = new Map<number, Signing>();
    for (const storeId of new Set(leased.map((d) => d.storeId))) {
      let settings = settingsOf.get(storeId);
      if (!settings) {
        settings = await this.settingsRecord(storeId, repos);
        settingsOf.set(storeId, settings);
      }
      signingOf.set(storeId, this.signing(settings));
    }
    return leased.map((delivery) => ({ delivery, leaseToken: token, signing: signingOf.get(delivery.storeId) as Signing }));
  }

  private logAttempts(made: MadeAttempt[], held: boolean[]): void {
    made.forEach(({ delivery, next, outcome }, i) => {
      if (!held[i]) this.deps.logger.warn({ webhookId: delivery.webhookId }, 'webhook lease lost before the attempt was recorded');
      const level = next.state === 'failed' ? 'warn' : 'info';
      this.deps.logger[level]({ webhookId: delivery.webhookId, url: delivery.url, attempt: delivery.attempts, status: outcome, next: next.state }, 'webhook attempt');
    });
  }

  /** The keys that sign a store's webhooks now: its secret, and the previous one while it overlaps. */
  private signing(settings: WebhookSettingsRecord): Signing {
    const keys = [signingKey(this.deps.secretBox.open(settings.secretSealed))];
    const previousValid = settings.previousSecretSealed && settings.previousSecretExpiresAt && settings.previousSecretExpiresAt.getTime() > this.deps.clock.now().getTime();
    if (previousValid) keys.push(signingKey(this.deps.secretBox.open(settings.previousSecretSealed as string)));
    return { keys };
  }

  private send(delivery: Pick<WebhookDelivery, 'webhookId' | 'url' | 'contentType' | 'payload'>, signing: Signing): Promise<OutboundResult> {
    const { body, mediaType } = encodeWebhookBody(delivery.contentType, delivery.payload);
    const timestamp = Math.floor(this.deps.clock.now().getTime() / 1000);
    return this.deps.outbound.post({
      url: delivery.url,
      headers: {
        'content-type': mediaType,
        'user-agent': 'gyeol-webhook/1',
        'webhook-id': delivery.webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signing.keys.map((key) => signWith(key, delivery.webhookId, timestamp, body)).join(' '),
      },
      body,
      connectTimeoutMs: this.deps.webhooks.connectTimeoutMs,
      readTimeoutMs: this.deps.webhooks.readTimeoutMs,
      maxResponseBytes: MAX_ANSWER_BYTES,
      // A webhook may be sent twice (at least once, one webhook-id): a reused connection that
      // turns out closed is retried on a new one.
      keepAlive: true,
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
    await this.recordAttempts([await this.attempt({ delivery: leased, leaseToken: token, signing: this.signing(settings) })]);
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
