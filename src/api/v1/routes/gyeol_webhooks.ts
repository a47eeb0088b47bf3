import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidParameter, type FieldViolation } from '../../../domain/errors';
import { WEBHOOK_CONTENT_TYPES, WEBHOOK_SCHEDULES } from '../../../domain/webhooks';
import { ok } from '../../../http/envelope';
import { v1Seconds } from '../../../http/presenters';
import type { DeliveryWithAttempts, WebhookAttempt, WebhookDelivery, WebhookSettingsPatch, WebhookSettingsView } from '../../../services/webhooks';
import { requireStore, type V1Context } from '../context';
import { StringEnum } from '../schema';

/**
 * gyeol's own webhook routes (not V1; V1 does this in its console): the store's webhook and
 * confirm settings, the signing secret and its rotation, the deliveries with every attempt, a
 * manual resend and the console's 호출 테스트. The store's access token from /users/getToken
 * authorizes them. See docs/webhooks.md; the shapes are in docs/gyeol-openapi.json.
 */

const seconds = v1Seconds;

/** Latest UNIX second a `from`/`to` may name (9999-12-31): later ones are no real time and no valid Date. */
const MAX_UNIX_SECONDS = 253_402_300_799;
const MAX_OVERLAP_SECONDS = 7 * 24 * 60 * 60;
const DEFAULT_OVERLAP_SECONDS = 24 * 60 * 60;

function toGyeolWebhookSettings(view: WebhookSettingsView) {
  return {
    live_url: view.liveUrl,
    test_url: view.testUrl,
    content_type: view.contentType,
    retry_schedule: view.schedule,
    secret: view.secret,
    previous_secret_expires_at: seconds(view.previousSecretExpiresAt),
    confirm_url: view.confirmUrl,
    confirm_enabled: view.confirmEnabled,
  };
}

function toGyeolAttempt(attempt: WebhookAttempt) {
  return {
    attempted_at: seconds(attempt.attemptedAt),
    status: attempt.status,
    latency_ms: attempt.latencyMs,
    error: attempt.error,
    response_excerpt: attempt.responseExcerpt,
  };
}

function toGyeolDelivery(delivery: WebhookDelivery) {
  return {
    webhook_id: delivery.webhookId,
    kind: delivery.kind,
    // The payload of an event delivery names its payment; a test webhook's names none (its imp_uid is made up).
    imp_uid: delivery.kind === 'event' ? (delivery.payload.imp_uid ?? null) : null,
    url: delivery.url,
    content_type: delivery.contentType,
    payload: delivery.payload,
    retry_schedule: delivery.schedule,
    status: delivery.state,
    attempts: delivery.attempts,
    next_attempt_at: seconds(delivery.nextAttemptAt),
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    created_at: seconds(delivery.createdAt),
  };
}

function toGyeolDeliveryWithAttempts(delivery: DeliveryWithAttempts) {
  return { ...toGyeolDelivery(delivery), attempt_log: delivery.attemptLog.map(toGyeolAttempt) };
}

/**
 * A URL setting: a string, or null to clear it. A form body cannot say null, so an empty string
 * clears too. A JSON Schema type list (not anyOf) so Fastify's type coercion never turns a null
 * into "" or the other way round.
 */
const UrlOrNull = Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 2000 });
const orNull = (value: string | null | undefined): string | null | undefined => (value === '' ? null : value);

const SettingsBody = Type.Object({
  live_url: Type.Optional(UrlOrNull),
  test_url: Type.Optional(UrlOrNull),
  content_type: Type.Optional(StringEnum(WEBHOOK_CONTENT_TYPES)),
  retry_schedule: Type.Optional(StringEnum(WEBHOOK_SCHEDULES)),
  confirm_url: Type.Optional(UrlOrNull),
  confirm_enabled: Type.Optional(Type.Boolean()),
});

const RotateBody = Type.Object({ overlap_seconds: Type.Optional(Type.Integer()) });

const DeliveriesQuery = Type.Object({
  imp_uid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: Type.Optional(StringEnum(['pending', 'succeeded', 'failed'] as const)),
  from: Type.Optional(Type.Integer()),
  to: Type.Optional(Type.Integer()),
  limit: Type.Optional(Type.Integer()),
});

const DeliveryParams = Type.Object({ webhook_id: Type.String({ minLength: 1, maxLength: 64 }) });

const TestBody = Type.Object({ url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) });

/** Routes whose body is optional: no body at all reads as `{}`, so the body schema still applies. */
async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

/** Integer query values the schema lets through as integers but whose range it cannot word in Korean. */
function checkRanges(query: Static<typeof DeliveriesQuery>): void {
  const problems: FieldViolation[] = [];
  for (const field of ['from', 'to'] as const) {
    const value = query[field];
    if (value !== undefined && (value < 0 || value > MAX_UNIX_SECONDS)) {
      problems.push({ field, rule: `0 이상 ${MAX_UNIX_SECONDS} 이하의 UNIX 시각(초)이어야 합니다` });
    }
  }
  if (query.limit !== undefined && (query.limit < 1 || query.limit > 200)) problems.push({ field: 'limit', rule: '1 이상 200 이하의 정수여야 합니다' });
  if (problems.length > 0) throw invalidParameter(problems);
}

/**
 * GET/PUT /gyeol/webhooks/settings, POST /gyeol/webhooks/secret/rotate,
 * GET /gyeol/webhooks/deliveries, POST /gyeol/webhooks/deliveries/{webhook_id}/resend,
 * POST /gyeol/webhooks/test.
 */
export function registerGyeolWebhooks(app: FastifyInstance, ctx: V1Context): void {
  app.get('/gyeol/webhooks/settings', async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toGyeolWebhookSettings(await ctx.services.webhooks.settings(storeId)));
  });

  app.put<{ Body: Static<typeof SettingsBody> }>('/gyeol/webhooks/settings', { schema: { body: SettingsBody } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const body = request.body;
    const patch: WebhookSettingsPatch = {
      liveUrl: orNull(body.live_url),
      testUrl: orNull(body.test_url),
      contentType: body.content_type,
      schedule: body.retry_schedule,
      confirmUrl: orNull(body.confirm_url),
      confirmEnabled: body.confirm_enabled,
    };
    return ok(toGyeolWebhookSettings(await ctx.services.webhooks.updateSettings(storeId, patch)));
  });

  app.post<{ Body: Static<typeof RotateBody> }>(
    '/gyeol/webhooks/secret/rotate',
    { schema: { body: RotateBody }, preValidation: emptyBodyAsObject },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      const overlapSeconds = request.body.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS;
      // Checked here in seconds, the unit the caller used (the service counts milliseconds).
      if (overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
        throw invalidParameter([{ field: 'overlap_seconds', rule: `0 이상 ${MAX_OVERLAP_SECONDS}(7일) 이하의 정수여야 합니다` }]);
      }
      return ok(toGyeolWebhookSettings(await ctx.services.webhooks.rotateSecret(storeId, overlapSeconds * 1000)));
    },
  );

  app.get<{ Querystring: Static<typeof DeliveriesQuery> }>('/gyeol/webhooks/deliveries', { schema: { querystring: DeliveriesQuery } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const query = request.query;
    checkRanges(query);
    const deliveries = await ctx.services.webhooks.listDeliveries(storeId, {
      impUid: query.imp_uid,
      state: query.status,
      from: query.from === undefined ? undefined : new Date(query.from * 1000),
      // `to` names a whole second: a delivery created at 12.5 s is within to=12.
      to: query.to === undefined ? undefined : new Date(query.to * 1000 + 999),
      limit: query.limit,
    });
    return ok(deliveries.map(toGyeolDeliveryWithAttempts));
  });

  app.post<{ Params: Static<typeof DeliveryParams> }>(
    '/gyeol/webhooks/deliveries/:webhook_id/resend',
    { schema: { params: DeliveryParams } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      return ok(toGyeolDelivery(await ctx.services.webhooks.resend(storeId, request.params.webhook_id)));
    },
  );

  app.post<{ Body: Static<typeof TestBody> }>('/gyeol/webhooks/test', { schema: { body: TestBody }, preValidation: emptyBodyAsObject }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toGyeolDeliveryWithAttempts(await ctx.services.webhooks.sendTest(storeId, { url: request.body.url })));
  });
}
