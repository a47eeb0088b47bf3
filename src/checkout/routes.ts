import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors';
import { fromMinorUnits } from '../domain/money';
import type { Services } from '../services';
import { CheckoutRefusal, type CheckoutMode, type CheckoutResult, type OpenSessionCommand, type WindowDescription } from '../services/checkout';
import { corsHeaders } from '../http/cors';
import { toAppError } from '../http/envelope';
import { parseFormBody } from '../http/form-body';
import { escapeHtml, jsonForScript, windowPage } from './html';
import { mobileRedirectUrl, toSdkResult } from './result';

export interface CheckoutContext {
  services: Services;
  /** The gateway's configured public base URL (window URLs are built on it, never on the Host header). */
  urls: { publicUrl: string };
}

const WINDOW_SCRIPT = '/assets/checkout-window.js';
/** Where each connector's browser launcher is served (built into dist/public/launchers). */
const LAUNCHER_DIR = '/assets/launchers';
/** How often the 결제 확인 중 page looks again. */
const PENDING_REFRESH_SECONDS = 2;

/**
 * The checkout: the session API the SDK calls (cross-origin, from merchant pages) and the
 * payment window (gateway origin) that hosts the PG's own window. See docs/checkout-protocol.md.
 */
export async function registerCheckout(app: FastifyInstance, ctx: CheckoutContext): Promise<void> {
  await app.register(async (checkout) => {
    checkout.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      done(null, parseFormBody(body as string));
    });

    // Refusals, body parse failures and the like answer in the envelope the SDK understands, with
    // a failure result it passes to the merchant's callback as is.
    checkout.setErrorHandler((err, request, reply) => {
      const error = toAppError(err);
      if (error.code === 'INTERNAL') request.log.error({ err }, 'checkout request failed');
      corsHeaders(request, reply);
      const merchantUid = err instanceof CheckoutRefusal ? err.merchantUid : merchantUidOf(request.body);
      const failure = toSdkResult(null, { code: error.code, message: error.message }, merchantUid);
      return reply.status(error.status).send({ code: error.v1Code, message: error.message, response: failure });
    });

    checkout.options('/checkout/sessions', async (request, reply) => {
      corsHeaders(request, reply);
      reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      reply.header('Access-Control-Allow-Headers', 'Content-Type');
      reply.header('Access-Control-Max-Age', '600');
      return reply.status(204).send();
    });

    checkout.post<{ Body: SessionBody }>('/checkout/sessions', { bodyLimit: 64 * 1024, schema: { body: SessionBody } }, async (request, reply) => {
      corsHeaders(request, reply);
      const opened = await ctx.services.checkout.openSession(sessionCommand(request, request.body));
      return {
        code: 0,
        message: null,
        response: {
          imp_uid: opened.payment.impUid,
          merchant_uid: opened.payment.merchantUid,
          window_url: `${ctx.urls.publicUrl}/checkout/${opened.sessionId}`,
        },
      };
    });

    checkout.get<{ Params: { id: string } }>('/checkout/:id', async (request, reply) => {
      const described = await pageOrError(reply, () => ctx.services.checkout.describeWindow(request.params.id));
      if (!described) return reply;
      if ('launch' in described) return sendWindow(reply, described);
      return sendResult(reply, described);
    });

    const complete = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const fields = stringFields({ ...(request.query as object), ...((request.body as object | undefined) ?? {}) });
      const result = await pageOrError(reply, () => ctx.services.checkout.completeReturn(request.params.id, fields));
      if (!result) return reply;
      return sendResult(reply, result);
    };
    checkout.post('/checkout/:id/return', complete);
    checkout.post('/checkout/:id/stop', complete);
    checkout.get('/checkout/:id/stop', complete);
  });
}

/** The body of POST /checkout/sessions, as the SDK sends it (docs/checkout-protocol.md §2). */
const SessionBody = Type.Object({
  user_code: Type.String({ minLength: 1, maxLength: 40 }),
  params: Type.Object({}, { additionalProperties: true }),
  mode: Type.Optional(Type.Unsafe<CheckoutMode>({ type: 'string', enum: ['pc', 'mobile'] })),
  page_url: Type.Optional(Type.String({ maxLength: 2000 })),
});
type SessionBody = Static<typeof SessionBody>;

/** The schema-checked body → the service's command; the merchant origin comes from the Origin header, else page_url. */
function sessionCommand(request: FastifyRequest, body: SessionBody): OpenSessionCommand {
  const origin = originOf(request.headers.origin) ?? originOf(body.page_url);
  if (!origin) throw new AppError('INVALID_PARAMETER', { field: 'page_url', message: 'page_url: 결제를 요청한 페이지의 주소(Origin)를 알 수 없습니다' });
  return {
    userCode: body.user_code,
    params: body.params as Record<string, unknown>,
    mode: body.mode ?? 'pc',
    merchantOrigin: origin,
    userAgent: request.headers['user-agent'] ?? null,
  };
}

function merchantUidOf(body: unknown): string | null {
  const params = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).params : null;
  const uid = typeof params === 'object' && params !== null ? (params as Record<string, unknown>).merchant_uid : null;
  return typeof uid === 'string' ? uid : null;
}

function originOf(value: string | undefined): string | null {
  if (!value || value === 'null') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

function stringFields(input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** Runs a page action; known errors become a Korean error page instead of a stack. */
async function pageOrError<T>(reply: FastifyReply, action: () => Promise<T>): Promise<T | null> {
  try {
    return await action();
  } catch (err) {
    const error = toAppError(err);
    if (error.code === 'INTERNAL') reply.log.error({ err }, 'checkout page failed');
    reply
      .status(error.status)
      .type('text/html; charset=utf-8')
      .send(
        windowPage({
          title: '결제 오류',
          body: `<header><h1>결제 오류</h1></header><main><p class="status fail" role="alert">${escapeHtml(error.message)}</p></main>`,
        }),
      );
    return null;
  }
}

function securityHeaders(reply: FastifyReply, frameAncestor: string, pgOrigins: string[]): void {
  const pg = pgOrigins.map((origin) => ` ${origin}`).join('');
  reply.header(
    'Content-Security-Policy',
    [
      `default-src 'self'`,
      `script-src 'self'${pg}`,
      `style-src 'self' 'unsafe-inline'`,
      `img-src 'self' data:`,
      `frame-src 'self'${pg}`,
      `form-action 'self'${pg}`,
      // Only the merchant page that opened the session may frame the window.
      `frame-ancestors ${frameAncestor}`,
    ].join('; '),
  );
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Cache-Control', 'no-store');
}

function sendWindow(reply: FastifyReply, described: WindowDescription): FastifyReply {
  const { payment, session, launch } = described;
  securityHeaders(reply, session.merchantOrigin, launch.origins);
  const amount = fromMinorUnits(payment.amount, payment.currency).toLocaleString('ko-KR');
  const launchData = {
    mode: session.mode,
    launch: { launcher: launch.launcher, data: launch.data },
    returnUrl: described.returnUrl,
    stopUrl: described.stopUrl,
  };
  // A billing-key window (customer_uid) registers a card: nothing is paid, so no amount is shown.
  const issue = payment.customerUidUsage === 'issue';
  const title = issue ? '카드 등록' : '결제하기';
  const windowName = issue ? '카드 등록창' : '결제창';
  const facts = issue
    ? `<dt>상품명</dt><dd>${escapeHtml(payment.name ?? '-')}</dd>
    <dt>결제금액</dt><dd>카드 등록 (지금 결제되지 않습니다)</dd>`
    : `<dt>상품명</dt><dd>${escapeHtml(payment.name ?? '-')}</dd>
    <dt>결제금액</dt><dd>${escapeHtml(amount)}${payment.currency === 'KRW' ? '원' : ` ${escapeHtml(payment.currency)}`}</dd>`;
  const body = `
<header><h1>${title}</h1>${session.mode === 'pc' ? `<button type="button" id="gyeol-close" aria-label="${windowName} 닫기">닫기</button>` : ''}</header>
<main>
  <dl>
    ${facts}
  </dl>
  <p class="status" id="gyeol-status" role="status">${windowName}을 여는 중입니다…</p>
</main>
<script type="application/json" id="gyeol-launch">${jsonForScript(launchData)}</script>`;
  const launcherScript = `${LAUNCHER_DIR}/${encodeURIComponent(launch.launcher)}.js`;
  return reply.type('text/html; charset=utf-8').send(windowPage({ title, body, scripts: [...launch.scripts, launcherScript, WINDOW_SCRIPT] }));
}

/** 결제 확인 중: the PG's outcome is being confirmed; the page reloads the window until it is known. */
function sendPending(reply: FastifyReply, outcome: CheckoutResult): FastifyReply {
  const { session } = outcome;
  securityHeaders(reply, session.merchantOrigin, []);
  const body = `
<header><h1>결제 확인 중</h1></header>
<main><p class="status" id="gyeol-status" role="status">결제 결과를 확인하고 있습니다. 이 창을 닫지 말고 잠시만 기다려 주세요.</p></main>`;
  const head = `<meta http-equiv="refresh" content="${PENDING_REFRESH_SECONDS}; url=/checkout/${encodeURIComponent(session.id)}">`;
  return reply.type('text/html; charset=utf-8').send(windowPage({ title: '결제 확인 중', body, head, scripts: [] }));
}

function sendResult(reply: FastifyReply, outcome: CheckoutResult): FastifyReply {
  if (outcome.pending) return sendPending(reply, outcome);
  const { session, payment, error } = outcome;
  const result = toSdkResult(payment, error);
  if (session.mode === 'mobile' && session.mRedirectUrl) {
    reply.header('Cache-Control', 'no-store');
    return reply.redirect(mobileRedirectUrl(session.mRedirectUrl, result), 302);
  }
  securityHeaders(reply, session.merchantOrigin, []);
  const issue = payment.customerUidUsage === 'issue';
  const message = result.success
    ? issue
      ? '카드가 등록되었습니다.'
      : '결제가 완료되었습니다.'
    : `${issue ? '카드 등록' : '결제'}에 실패했습니다. ${result.error_msg ?? ''}`;
  const body = `
<header><h1>결제 결과</h1></header>
<main><p class="status ${result.success ? 'ok' : 'fail'}" role="status">${escapeHtml(message)}</p></main>
<script type="application/json" id="gyeol-result">${jsonForScript({ result, targetOrigin: session.merchantOrigin })}</script>`;
  return reply.type('text/html; charset=utf-8').send(windowPage({ title: '결제 결과', body, scripts: [WINDOW_SCRIPT] }));
}
