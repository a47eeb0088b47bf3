import { CATALOGUE, formatWon, type Product } from './catalogue';
import type { Order } from './orders';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON that is safe inside `<script type="application/json">`. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const STYLES = `
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR","Noto Sans CJK KR",sans-serif;color:#1f2937;background:#f9fafb;line-height:1.5}
header{background:#111827;color:#fff;padding:14px 20px}
header a{color:#fff;text-decoration:none;font-weight:700;font-size:18px}
main{max-width:880px;margin:0 auto;padding:20px}
h1{font-size:22px;margin:8px 0 16px}
.products{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:16px;list-style:none;padding:0;margin:0 0 24px}
.product{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:16px;display:flex;flex-direction:column;gap:6px}
.product h2{font-size:17px;margin:0}.product p{margin:0;color:#6b7280;font-size:14px}
.price{font-size:18px;font-weight:700;color:#111827}
button{font:inherit;padding:10px 16px;border-radius:8px;border:0;background:#2563eb;color:#fff;font-weight:600;cursor:pointer;margin-top:auto}
button:disabled{background:#93c5fd;cursor:wait}
fieldset{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px 16px;margin:0 0 20px;display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}
legend{font-weight:700;padding:0 4px}
label{display:flex;flex-direction:column;font-size:14px;color:#374151;gap:4px}
input{font:inherit;padding:8px 10px;border:1px solid #d1d5db;border-radius:6px}
[role=alert]{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:12px 14px;margin:0 0 16px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:20px;max-width:520px}
.card.ok h1{color:#047857}.card.fail h1{color:#b91c1c}.card.warn h1{color:#b45309}
dl{display:grid;grid-template-columns:auto 1fr;gap:8px 16px;margin:16px 0}
dt{color:#6b7280}dd{margin:0;font-weight:600;word-break:break-all}
.reason{background:#f3f4f6;border-radius:8px;padding:10px 12px;margin:0}
.note{color:#6b7280;font-size:13px}
`;

function layout(options: { title: string; body: string; nonce: string; head?: string }): string {
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} · 결 데모 상점</title>
<style nonce="${escapeHtml(options.nonce)}">${STYLES}</style>
${options.head ?? ''}
</head>
<body>
<header><a href="/">결 데모 상점</a></header>
<main>
${options.body}
</main>
</body>
</html>`;
}

/** The browser side of the product page: create the order on our server, then pay, then verify. */
const PRODUCT_PAGE_SCRIPT = `
(function () {
  var config = JSON.parse(document.getElementById('shop-config').textContent);
  var message = document.getElementById('message');
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button[data-product]'));
  IMP.init(config.impCode);

  function field(id) { return document.getElementById(id).value.trim(); }
  function busy(on) { buttons.forEach(function (b) { b.disabled = on; }); }
  function showError(text) { message.textContent = text; message.hidden = false; busy(false); }

  function verifyAndShow(order, rsp) {
    return fetch('/api/orders/' + encodeURIComponent(order.merchant_uid) + '/verify', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ imp_uid: rsp.imp_uid, error_code: rsp.error_code || null, error_msg: rsp.error_msg || null })
    }).catch(function () { /* the receipt page shows what the server knows */ }).then(function () {
      location.href = '/order/' + encodeURIComponent(order.merchant_uid);
    });
  }

  function pay(productId) {
    message.hidden = true;
    busy(true);
    fetch('/api/orders', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ product_id: productId })
    }).then(function (res) {
      if (!res.ok) throw new Error('order');
      return res.json();
    }).then(function (order) {
      IMP.request_pay({
        channelKey: config.channelKey,
        pay_method: config.payMethod,
        // The mugs are physical goods; a phone payment must say so (Smartro's GoodsCl).
        digital: config.payMethod === 'phone' ? false : undefined,
        // A virtual account needs its deposit deadline (the shop gives three days).
        vbank_due: config.payMethod === 'vbank' ? config.vbankDue : undefined,
        // Easy pays need the buyer's id at the shop (Smartro: customer_id, at most 20 characters).
        customer_id: config.customerId || undefined,
        merchant_uid: order.merchant_uid,
        name: order.name,
        amount: order.amount,
        buyer_name: field('buyer-name'),
        buyer_tel: field('buyer-tel'),
        buyer_email: field('buyer-email'),
        m_redirect_url: location.origin + '/order/complete'
      }, function (rsp) {
        if (rsp.imp_uid) return verifyAndShow(order, rsp);
        showError(rsp.error_msg || '결제를 시작하지 못했습니다.');
      });
    }).catch(function () {
      showError('주문을 만들지 못했습니다. 잠시 후 다시 시도해 주세요.');
    });
  }

  buttons.forEach(function (button) {
    button.addEventListener('click', function () { pay(button.getAttribute('data-product')); });
  });
})();
`;

function productItem(product: Product): string {
  const label = `${product.name} 결제하기`;
  return `<li class="product">
  <h2>${escapeHtml(product.name)}</h2>
  <p>${escapeHtml(product.description)}</p>
  <span class="price">${escapeHtml(formatWon(product.price))}</span>
  <button type="button" data-product="${escapeHtml(product.id)}" aria-label="${escapeHtml(label)}">결제하기</button>
</li>`;
}

/** The easy pays the shop offers, with the names it shows on the receipt. */
const SHOP_EASY_PAYS = { kakaopay: '카카오페이', naverpay: '네이버페이', payco: 'PAYCO', lpay: 'L.PAY', pinpay: '핀페이' } as const;

/**
 * The pay methods the shop offers: `/?pay_method=trans` pays by bank transfer, `phone` by phone,
 * `vbank` with a virtual account, `kakaopay` (or another easy pay) by that easy pay.
 */
export const SHOP_PAY_METHODS = ['card', 'trans', 'vbank', 'phone', ...(Object.keys(SHOP_EASY_PAYS) as (keyof typeof SHOP_EASY_PAYS)[])] as const;
export type ShopPayMethod = (typeof SHOP_PAY_METHODS)[number];

/** The shop's one buyer id, sent as `customer_id` with an easy pay (the demo shop has no accounts). */
export const SHOP_CUSTOMER_ID = 'demobuyer01';

const easyPayName = (payMethod: string | undefined): string | null =>
  payMethod !== undefined && Object.prototype.hasOwnProperty.call(SHOP_EASY_PAYS, payMethod) ? SHOP_EASY_PAYS[payMethod as keyof typeof SHOP_EASY_PAYS] : null;

/**
 * @param vbankDue the deposit deadline a virtual account is asked with (`vbank_due`, `YYYYMMDD`
 *   Korea time), sent only with `payMethod: 'vbank'`
 */
export function productPage(options: { gatewayUrl: string; impCode: string; channelKey: string; nonce: string; payMethod?: ShopPayMethod; vbankDue?: string }): string {
  const payMethod = options.payMethod ?? 'card';
  const config = {
    impCode: options.impCode,
    channelKey: options.channelKey,
    payMethod,
    vbankDue: options.vbankDue ?? null,
    customerId: easyPayName(payMethod) !== null ? SHOP_CUSTOMER_ID : null,
  };
  const body = `<h1>상품</h1>
<p id="message" role="alert" hidden></p>
<ul class="products">
${CATALOGUE.map(productItem).join('\n')}
</ul>
<fieldset>
  <legend>구매자 정보</legend>
  <label>이름 <input id="buyer-name" name="buyer_name" autocomplete="name" value="홍길동"></label>
  <label>전화번호 <input id="buyer-tel" name="buyer_tel" type="tel" autocomplete="tel" value="010-1234-5678"></label>
  <label>이메일 <input id="buyer-email" name="buyer_email" type="email" autocomplete="email" value="buyer@example.com"></label>
</fieldset>
<p class="note">테스트 결제입니다. 실제로 돈이 나가지 않습니다.</p>
<script type="application/json" id="shop-config">${jsonForScript(config)}</script>
<script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.gatewayUrl)}/v1/iamport.js"></script>
<script nonce="${escapeHtml(options.nonce)}">${PRODUCT_PAGE_SCRIPT}</script>`;
  return layout({ title: '상품', body, nonce: options.nonce });
}

function row(term: string, value: unknown): string {
  return `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`;
}

/** A V1 timestamp (UNIX seconds) as Korea time, `YYYY-MM-DD HH:mm`; `-` when 0. */
export function koreaTime(seconds: number): string {
  if (!seconds) return '-';
  return new Date(seconds * 1000 + 9 * 60 * 60 * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Said when the last 다시 확인 / 입금 확인 could not reach the gateway. */
const RECHECK_UNAVAILABLE = '<p role="alert">결제 서버에 연결하지 못했습니다. 잠시 후 다시 확인해 주세요.</p>';

/** The button that asks the gateway again about the order's payment (a plain form post). */
function recheckForm(order: Order, label: string): string {
  return `<form method="post" action="/order/${escapeHtml(encodeURIComponent(order.merchantUid))}/recheck">
<button type="submit">${escapeHtml(label)}</button>
</form>`;
}

/** How the receipt names what paid. */
function paidWith(payment: Order['payment']): string {
  const card = [payment?.cardName, payment?.cardNumber].filter(Boolean).join(' ');
  const easyPay = easyPayName(payment?.payMethod);
  if (easyPay !== null) return row('결제수단', card ? `${easyPay} (${card})` : easyPay);
  switch (payment?.payMethod) {
    case 'trans':
      return row('계좌이체', payment.bankName || '-');
    case 'vbank':
      return row('가상계좌', [payment.vbank?.bankName, payment.vbank?.num].filter(Boolean).join(' ') || '-');
    case 'phone':
      return row('결제수단', '휴대폰');
    default:
      return row('카드', card || '-');
  }
}

/**
 * The receipt (paid) or result (not paid) page of one order. `recheckUnavailable`: the last
 * 다시 확인 could not reach the gateway.
 */
export function orderPage(order: Order, nonce: string, options: { recheckUnavailable?: boolean } = {}): string {
  const back = '<p><a href="/">쇼핑 계속하기</a></p>';
  const payment = order.payment;
  let body: string;
  switch (order.status) {
    case 'paid': {
      body = `<section class="card ok">
<h1>결제 완료</h1>
<p>주문해 주셔서 감사합니다.</p>
<dl>
${row('주문번호', order.merchantUid)}
${row('상품명', order.name)}
${row('결제금액', formatWon(order.amount))}
${paidWith(payment)}
${row('승인번호', payment?.applyNum || '-')}
${row('imp_uid', payment?.impUid)}
</dl>
${back}
</section>`;
      break;
    }
    case 'amount_mismatch':
      body = `<section class="card warn">
<h1>결제 금액 불일치</h1>
<p class="reason">${escapeHtml(order.failReason)}</p>
<p>주문이 처리되지 않았습니다. 고객센터로 문의해 주세요.</p>
<dl>
${row('주문번호', order.merchantUid)}
${row('상품명', order.name)}
${row('주문금액', formatWon(order.amount))}
${row('결제된 금액', payment ? formatWon(payment.amount) : '-')}
${row('imp_uid', payment?.impUid ?? '-')}
</dl>
${back}
</section>`;
      break;
    case 'awaiting_deposit': {
      // The account the buyer sends the money to; the order is paid once the deposit is confirmed.
      const vbank = payment?.vbank;
      body = `<section class="card warn">
<h1>입금 대기</h1>
<p>아래 가상계좌로 입금기한까지 주문금액을 입금해 주세요. 입금이 확인되면 결제가 완료됩니다.</p>
${options.recheckUnavailable ? RECHECK_UNAVAILABLE : ''}
<dl>
${row('은행', vbank?.bankName || '-')}
${row('계좌번호', vbank?.num || '-')}
${row('예금주', vbank?.holder || '-')}
${row('입금기한', koreaTime(vbank?.date ?? 0))}
${row('입금액', formatWon(order.amount))}
${row('주문번호', order.merchantUid)}
${row('상품명', order.name)}
${payment ? row('imp_uid', payment.impUid) : ''}
</dl>
${recheckForm(order, '입금 확인')}
${back}
</section>`;
      break;
    }
    case 'confirming':
      // Neither 완료 nor 실패: the card may have been charged; only the PG's answer can tell.
      body = `<section class="card warn">
<h1>결제 확인 중</h1>
<p>카드사(PG)의 응답이 늦어 결제 결과를 확인하고 있습니다. 결제가 완료되었을 수 있으니 다시 결제하지 마시고, 잠시 후 다시 확인해 주세요.</p>
${options.recheckUnavailable ? RECHECK_UNAVAILABLE : ''}
<dl>
${row('주문번호', order.merchantUid)}
${row('상품명', order.name)}
${row('주문금액', formatWon(order.amount))}
${payment ? row('imp_uid', payment.impUid) : ''}
</dl>
${recheckForm(order, '다시 확인')}
${back}
</section>`;
      break;
    case 'failed':
      body = `<section class="card fail">
<h1>결제 실패</h1>
<p class="reason">${escapeHtml(order.failReason ?? '결제에 실패했습니다')}</p>
<dl>
${row('주문번호', order.merchantUid)}
${row('상품명', order.name)}
${row('주문금액', formatWon(order.amount))}
${payment ? row('imp_uid', payment.impUid) : ''}
</dl>
${back}
</section>`;
      break;
    default:
      body = `<section class="card">
<h1>결제 대기</h1>
<p>아직 결제가 확인되지 않았습니다.</p>
<dl>
${row('주문번호', order.merchantUid)}
${row('상품명', order.name)}
${row('주문금액', formatWon(order.amount))}
</dl>
${back}
</section>`;
  }
  const title = {
    paid: '결제 완료',
    amount_mismatch: '결제 금액 불일치',
    confirming: '결제 확인 중',
    awaiting_deposit: '입금 대기',
    failed: '결제 실패',
    pending: '결제 대기',
  }[order.status];
  return layout({ title, body, nonce });
}

export function notFoundPage(nonce: string): string {
  return layout({
    title: '주문 없음',
    body: '<section class="card fail"><h1>주문을 찾을 수 없습니다</h1><p><a href="/">상품 목록으로</a></p></section>',
    nonce,
  });
}
