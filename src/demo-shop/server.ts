/**
 * The demo shop (:4002): a tiny merchant site that pays through gyeol exactly as a careful
 * PortOne V1 merchant does.
 *
 * - Prices come from the shop's own catalogue. The browser asks for an order by product id;
 *   the server picks the merchant_uid and the amount.
 * - The browser loads `<gateway>/v1/iamport.js` and calls `IMP.request_pay`. The result it gets
 *   back (PC callback, or the mobile redirect to `/order/complete`) is only a hint: the server
 *   verifies with `GET /payments/{imp_uid}` over the REST API (token from `/users/getToken`,
 *   cached until shortly before it expires) and marks the order paid only when the payment is
 *   this order's, `paid`, and for the order's amount.
 * - Orders live in the shop's own SQLite file (`ordersFile`), as a merchant's live in its own
 *   database; they survive a restart. A payment left `ready` by a lost PG answer (PG_TIMEOUT,
 *   PG_FAULT) shows 결제 확인 중 with a 다시 확인 button that asks the REST API again; an issued
 *   virtual account shows 입금 대기 with the account and an 입금 확인 button that does the same.
 * - One log line per request (method, url, status, ms).
 * - The API secret is used only in the getToken body; it is never logged or rendered.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { randomBytes } from 'node:crypto';
import { findProduct } from './catalogue';
import { GatewayClient, type V1Payment } from './gateway-client';
import { OrderBook, type Order } from './orders';
import { notFoundPage, orderPage, productPage, SHOP_PAY_METHODS } from './pages';
import { OneLinePerRequest } from './request-log';
import { verifyOrderPayment, type ResultHint } from './verify';

export interface DemoShopCredentials {
  /** 가맹점 식별코드 for `IMP.init`. */
  impCode: string;
  /** REST API key (`imp_key`). */
  apiKey: string;
  /** REST API secret (`imp_secret`); server side only. */
  apiSecret: string;
  /** The channel the shop pays through (`channelKey` in `request_pay`). */
  channelKey: string;
}

export interface DemoShopOptions {
  /** The gateway's public base URL (SDK script and REST API). */
  gatewayUrl: string;
  credentials: DemoShopCredentials;
  logger?: FastifyBaseLogger;
  /**
   * SQLite file for the shop's orders (e.g. `<dataDir>/demo-shop-orders.sqlite`), created when
   * missing; closed with the app. Without it the orders are in memory and lost on close.
   */
  ordersFile?: string;
  /** Replaces the REST lookup (unit tests); defaults to a {@link GatewayClient} over real HTTP. */
  lookupPayment?: (impUid: string) => Promise<V1Payment | null>;
}

const IMP_UID = /^[A-Za-z0-9_-]{1,64}$/;

function cleanString(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;
}

/** What the shop tells its own browser about an order (never more than the buyer may see). */
function orderJson(order: Order) {
  return {
    merchant_uid: order.merchantUid,
    product_id: order.productId,
    name: order.name,
    amount: order.amount,
    status: order.status,
    fail_reason: order.failReason,
    imp_uid: order.payment?.impUid ?? null,
  };
}

/** The shop's deposit deadline for a virtual account: three days from `now`, Korea time, as `YYYYMMDD` (23:59:59 that day). */
export function vbankDueFrom(now: Date): string {
  return new Date(now.getTime() + 3 * 24 * 60 * 60 * 1000 + 9 * 60 * 60 * 1000).toISOString().slice(0, 10).replace(/-/g, '');
}

export async function buildDemoShop(options: DemoShopOptions): Promise<FastifyInstance> {
  const gatewayUrl = options.gatewayUrl.replace(/\/+$/, '');
  const { credentials } = options;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: 64 * 1024,
    logController: new OneLinePerRequest(),
    routerOptions: { maxParamLength: 100 },
  });
  await app.register(formbody);

  const orders = new OrderBook(options.ordersFile);
  app.addHook('onClose', async () => orders.close());
  const client = new GatewayClient({ baseUrl: gatewayUrl, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret });
  const lookup = options.lookupPayment ?? ((impUid: string) => client.getPayment(impUid));

  /** Verifies and logs; a gateway failure leaves the order as it was and is rethrown. */
  async function verify(order: Order, impUid: string, hint: ResultHint): Promise<Order> {
    try {
      await verifyOrderPayment(order, impUid, lookup, hint);
    } catch (err) {
      app.log.error({ err, merchantUid: order.merchantUid, impUid }, 'demo shop: payment verification failed');
      throw err;
    }
    const saved = orders.save(order);
    app.log.info({ merchantUid: saved.merchantUid, impUid, status: saved.status }, 'demo shop: order verified');
    return saved;
  }

  function html(reply: FastifyReply, nonce: string, body: string, status = 200) {
    const csp = [
      "default-src 'self'",
      `script-src 'nonce-${nonce}' ${gatewayUrl}`,
      `connect-src 'self' ${gatewayUrl}`,
      `frame-src ${gatewayUrl}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
    return reply
      .status(status)
      .header('Content-Security-Policy', csp)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'same-origin')
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(body);
  }
  const nonce = () => randomBytes(16).toString('base64');

  app.get<{ Querystring: { pay_method?: unknown } }>('/', async (request, reply) => {
    const n = nonce();
    // `?pay_method=trans|vbank|phone|kakaopay|…` switches the shop's buttons to that method; anything else is card.
    const asked = request.query.pay_method;
    const payMethod = SHOP_PAY_METHODS.find((m) => m === asked) ?? 'card';
    return html(reply, n, productPage({ gatewayUrl, impCode: credentials.impCode, channelKey: credentials.channelKey, nonce: n, payMethod, vbankDue: vbankDueFrom(new Date()) }));
  });

  app.get('/health', async () => ({ status: 'ok' }));

  // Creates an order from the catalogue. Any amount the browser sends is ignored.
  app.post<{ Body: { product_id?: unknown } | undefined }>('/api/orders', async (request, reply) => {
    const product = findProduct(request.body?.product_id);
    if (!product) return reply.status(400).send({ error: '알 수 없는 상품입니다' });
    const order = orders.create(product);
    return reply.status(201).send(orderJson(order));
  });

  app.get<{ Params: { merchant_uid: string } }>('/api/orders/:merchant_uid', async (request, reply) => {
    const order = orders.get(request.params.merchant_uid);
    if (!order) return reply.status(404).send({ error: '주문을 찾을 수 없습니다' });
    return orderJson(order);
  });

  // PC: the page posts the callback's imp_uid here; the server checks it with the REST API.
  app.post<{ Params: { merchant_uid: string }; Body: { imp_uid?: unknown; error_code?: unknown; error_msg?: unknown } | undefined }>(
    '/api/orders/:merchant_uid/verify',
    async (request, reply) => {
      const order = orders.get(request.params.merchant_uid);
      if (!order) return reply.status(404).send({ error: '주문을 찾을 수 없습니다' });
      const impUid = cleanString(request.body?.imp_uid, 64);
      if (!impUid || !IMP_UID.test(impUid)) return reply.status(400).send({ error: 'imp_uid가 필요합니다' });
      const hint = { errorCode: cleanString(request.body?.error_code, 64), errorMsg: cleanString(request.body?.error_msg, 500) };
      try {
        return orderJson(await verify(order, impUid, hint));
      } catch {
        return reply.status(502).send({ error: '결제 서버에서 결제 정보를 확인하지 못했습니다', ...orderJson(order) });
      }
    },
  );

  // Mobile: the gateway redirects here with imp_uid, merchant_uid, imp_success (+ error_code, error_msg).
  app.get<{ Querystring: Record<string, unknown> }>('/order/complete', async (request, reply) => {
    const query = request.query;
    const merchantUid = cleanString(query.merchant_uid, 40);
    const order = merchantUid ? orders.get(merchantUid) : undefined;
    if (!order) {
      const n = nonce();
      return html(reply, n, notFoundPage(n), 404);
    }
    const impUid = cleanString(query.imp_uid, 64);
    const errorMsg = cleanString(query.error_msg, 500);
    if (impUid && IMP_UID.test(impUid)) {
      try {
        await verify(order, impUid, { errorCode: cleanString(query.error_code, 64), errorMsg });
      } catch {
        // The receipt page shows the order as still unconfirmed.
      }
    } else if (order.status === 'pending') {
      order.status = 'failed';
      order.failReason = errorMsg ?? '결제가 완료되지 않았습니다';
      orders.save(order);
    }
    return reply.redirect(`/order/${encodeURIComponent(order.merchantUid)}`, 303);
  });

  app.get<{ Params: { merchant_uid: string }; Querystring: { recheck?: unknown } }>('/order/:merchant_uid', async (request, reply) => {
    const order = orders.get(request.params.merchant_uid);
    const n = nonce();
    if (!order) return html(reply, n, notFoundPage(n), 404);
    return html(reply, n, orderPage(order, n, { recheckUnavailable: request.query.recheck === 'unavailable' }));
  });

  // 다시 확인 on the 결제 확인 중 page (입금 확인 on 입금 대기): asks the REST API again about the order's payment.
  // A plain form post, so it works without JavaScript (mobile browsers, WebViews).
  app.post<{ Params: { merchant_uid: string } }>('/order/:merchant_uid/recheck', async (request, reply) => {
    const order = orders.get(request.params.merchant_uid);
    if (!order) {
      const n = nonce();
      return html(reply, n, notFoundPage(n), 404);
    }
    let unreachable = false;
    if (order.payment && order.status !== 'paid') {
      try {
        await verify(order, order.payment.impUid, {});
      } catch {
        // The order is unchanged (still 결제 확인 중); the page says the check did not get through.
        unreachable = true;
      }
    }
    return reply.redirect(`/order/${encodeURIComponent(order.merchantUid)}${unreachable ? '?recheck=unavailable' : ''}`, 303);
  });

  // V1 webhook: `{imp_uid, merchant_uid, status}`. Trusted only as a reason to look the payment up.
  app.post<{ Body: { imp_uid?: unknown; merchant_uid?: unknown } | undefined }>('/portone/webhook', async (request, reply) => {
    const impUid = cleanString(request.body?.imp_uid, 64);
    const merchantUid = cleanString(request.body?.merchant_uid, 40);
    const order = merchantUid ? orders.get(merchantUid) : undefined;
    if (!impUid || !IMP_UID.test(impUid)) return reply.status(400).send({ error: 'imp_uid가 필요합니다' });
    // Not our order (e.g. an order made by another integration of the same store): acknowledge.
    if (!order) return { status: 'ignored' };
    try {
      return { status: (await verify(order, impUid, {})).status };
    } catch {
      return reply.status(502).send({ error: 'verification failed' });
    }
  });

  return app;
}
