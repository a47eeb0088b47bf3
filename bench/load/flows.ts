/**
 * The load of the billing-charge and checkout benchmarks, in its own process (never in the
 * server's event loop): `connections` virtual users, each repeating one whole flow over HTTP
 * (keep-alive, node:http — the cheapest client Node has, so the load takes little of the CPU it
 * shares with the servers): its connections opened first, then a warm-up that is not counted —
 * `warmupS` (default 1) and until every user has ended one flow — then `durationS` seconds: a flow
 * counts when it ends inside them.
 *
 * Reads its task as JSON from the environment (`BENCH_LOAD`), prints one JSON line: completed
 * flows per second, their latency (p50/p99/mean, whole flow), failures — any, warm-up included —
 * with the first few reasons, the mean time of each step and, for the checkout, the part of each
 * flow spent waiting on the gateway.
 *
 * Flows:
 * - `billing`: `POST /subscribe/payments/again` with a V1 token, a fresh merchant_uid each time,
 *   the customers `customerPrefix0…N-1` spread over the users; success = `code 0`, `status "paid"`.
 * - `checkout`: a card payment as a phone's browser makes it with no JavaScript (the steps of
 *   test/integration/flow.ts): `POST /checkout/sessions` → `GET` the window page (its launch
 *   fields) → the simulator's window (`POST /payment/auth`, then the card form
 *   `/payment/auth/card` with 4242…) → `POST` what the simulator sends back to the gateway's
 *   ReturnUrl → the gateway's answer: a redirect to m_redirect_url with `imp_success=true`.
 * - `post`: one `POST url` per flow, answered 2xx (the same-run ceilings).
 */
import http from 'node:http';

interface Task {
  flow: 'billing' | 'checkout' | 'post';
  connections: number;
  durationS: number;
  warmupS?: number;
  /** The gateway (or, for `post`, the URL to post to). */
  url: string;
  simulatorUrl?: string;
  shopUrl?: string;
  impCode?: string;
  channelKey?: string;
  apiKey?: string;
  apiSecret?: string;
  customerPrefix?: string;
  customers?: number;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const task = JSON.parse(process.env.BENCH_LOAD ?? '{}') as Task;
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(task.connections, 1) * 2 });

function request(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const form = (fields: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

function decodeEntities(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

class FlowError extends Error {}

function expectStatus(answer: Answer, status: number, step: string): void {
  if (answer.status !== status) throw new FlowError(`${step}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
}

/** What one flow measured: the gateway's share of its time (ms), when the flow crosses several servers. */
type FlowRun = (user: number, seq: number) => Promise<{ gatewayMs: number | null }>;

/** Time spent in each step of the measured flows (ms, summed), by step name. */
const stepTotals = new Map<string, number>();
let measuring = false;

/** Runs one step of a flow, adding its time to the step's total once the warm-up is over. */
async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    if (measuring) stepTotals.set(name, (stepTotals.get(name) ?? 0) + performance.now() - started);
  }
}

const runId = Date.now().toString(36);

async function billingFlow(): Promise<FlowRun> {
  const token = await v1Token();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const customers = task.customers ?? 1;
  return async (user, seq) => {
    const body = JSON.stringify({ customer_uid: `${task.customerPrefix}${user % customers}`, merchant_uid: `b${runId}u${user}n${seq}`, amount: 1000, name: '정기결제' });
    const answer = await step('gateway: POST /subscribe/payments/again', () => request('POST', `${task.url}/subscribe/payments/again`, headers, body));
    expectStatus(answer, 200, 'again');
    const parsed = JSON.parse(answer.body) as { code: number; message: string | null; response: { status: string; fail_reason: string | null } | null };
    if (parsed.code !== 0 || parsed.response?.status !== 'paid') throw new FlowError(`again: code ${parsed.code} ${parsed.message ?? ''} ${parsed.response?.status ?? ''} ${parsed.response?.fail_reason ?? ''}`);
    return { gatewayMs: null };
  };
}

async function checkoutFlow(): Promise<FlowRun> {
  const shopUrl = task.shopUrl!;
  const simulatorUrl = task.simulatorUrl!;
  return async (user, seq) => {
    let gatewayMs = 0;
    const atGateway = async (name: string, method: string, url: string, headers: Record<string, string>, body?: string) => {
      const started = performance.now();
      const answer = await step(name, () => request(method, url, headers, body));
      gatewayMs += performance.now() - started;
      return answer;
    };
    // 1. The SDK opens a session.
    const session = json({
      user_code: task.impCode,
      mode: 'mobile',
      page_url: `${shopUrl}/`,
      params: {
        channelKey: task.channelKey,
        pay_method: 'card',
        merchant_uid: `c${runId}u${user}n${seq}`,
        name: '결 머그컵',
        amount: 1004,
        buyer_name: '홍길동',
        buyer_tel: '010-1234-5678',
        buyer_email: 'buyer@example.com',
        m_redirect_url: `${shopUrl}/order/complete`,
      },
    });
    const opened = await atGateway('gateway: POST /checkout/sessions', 'POST', `${task.url}/checkout/sessions`, { ...session.headers, origin: shopUrl }, session.body);
    expectStatus(opened, 200, 'session');
    const sessionBody = JSON.parse(opened.body) as { code: number; message: string; response: { window_url: string } };
    if (sessionBody.code !== 0) throw new FlowError(`session: ${sessionBody.message}`);
    // 2. The window page: the PG window's form fields.
    const page = await atGateway('gateway: GET /checkout/{id} (window)', 'GET', sessionBody.response.window_url, {});
    expectStatus(page, 200, 'window');
    const launchJson = /<script type="application\/json" id="gyeol-launch">([\s\S]*?)<\/script>/.exec(page.body)?.[1];
    if (!launchJson) throw new FlowError('window: no launch data');
    const launch = JSON.parse(launchJson) as { launch: { data: { fields: Record<string, string> } } };
    // 3. The simulator's window, then its card form.
    const window = form({ ...launch.launch.data.fields, SimChannel: 'mobile' });
    const auth = await step('simulator: POST /payment/auth', () => request('POST', `${simulatorUrl}/payment/auth`, window.headers, window.body));
    expectStatus(auth, 200, 'simulator window');
    const authId = /name="AuthId" value="([^"]+)"/.exec(auth.body)?.[1];
    const company = /<select id="CardCompany" name="CardCompany"[^>]*>[\s\S]*?<option value="([^"]+)"/.exec(auth.body)?.[1];
    if (!authId || !company) throw new FlowError(`simulator window not understood: ${auth.body.slice(0, 200)}`);
    const card = form({ AuthId: authId, CardCompany: company, CardNo: '4242424242424242', Expiry: '12/39', Quota: '00', Action: 'pay' });
    const done = await step('simulator: POST /payment/auth/card', () => request('POST', `${simulatorUrl}/payment/auth/card`, card.headers, card.body));
    expectStatus(done, 200, 'simulator card form');
    const action = /<form[^>]*action="([^"]+)"/.exec(done.body)?.[1];
    const fields: Record<string, string> = {};
    for (const m of done.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = decodeEntities(m[2]!);
    if (!action || !fields.Tid) throw new FlowError(`simulator did not authenticate: ${done.body.slice(0, 200)}`);
    // 4. The PG's return to the gateway: approval, then the result as a redirect to m_redirect_url.
    const back = form(fields);
    const result = await atGateway('gateway: POST /checkout/{id}/return (approval)', 'POST', decodeEntities(action), back.headers, back.body);
    expectStatus(result, 302, 'return');
    const location = new URL(String(result.headers.location));
    if (location.searchParams.get('imp_success') !== 'true') throw new FlowError(`return: ${location.search}`);
    return { gatewayMs };
  };
}

function postFlow(): FlowRun {
  return async (user, seq) => {
    const answer = await request('POST', task.url, { 'content-type': 'application/json' }, JSON.stringify({ user, seq }));
    if (answer.status < 200 || answer.status > 299) throw new FlowError(`post: HTTP ${answer.status}`);
    return { gatewayMs: null };
  };
}

async function v1Token(): Promise<string> {
  const body = JSON.stringify({ imp_key: task.apiKey, imp_secret: task.apiSecret });
  const answer = await request('POST', `${task.url}/users/getToken`, { 'content-type': 'application/json' }, body);
  const parsed = JSON.parse(answer.body) as { code: number; response: { access_token: string } | null };
  if (parsed.code !== 0 || !parsed.response) throw new Error(`getToken failed: ${answer.body}`);
  return parsed.response.access_token;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The longest warm-up: past it, the measured run starts even if some user has not ended a flow yet. */
const MAX_WARMUP_MS = 30_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const run: FlowRun = task.flow === 'billing' ? await billingFlow() : task.flow === 'checkout' ? await checkoutFlow() : postFlow();
  const latencies: number[] = [];
  const gatewayShares: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let completed = 0;
  let seq = 0;
  // The measured window; set once the warm-up is over.
  let measureFrom = Infinity;
  let end = Infinity;
  let stopped = false;
  let usersServed = 0;
  let everyUserServed: () => void = () => undefined;
  const served = new Promise<void>((resolve) => {
    everyUserServed = resolve;
  });
  // A flow counts when it ends inside the measured window (as autocannon counts requests).
  const inWindow = (at: number) => at >= measureFrom && at <= end;
  const user = async (id: number) => {
    let first = true;
    while (!stopped) {
      const begun = performance.now();
      try {
        const { gatewayMs } = await run(id, seq++);
        completed++;
        const ended = performance.now();
        if (inWindow(ended)) {
          latencies.push(ended - begun);
          if (gatewayMs !== null) gatewayShares.push(gatewayMs);
        }
      } catch (err) {
        // Every failure counts, the warm-up's too: no answer under load may fail.
        failed++;
        if (failures.length < 5) failures.push(err instanceof Error ? err.message : String(err));
        // A refused connection would spin: back off a little.
        if (!(err instanceof FlowError)) await sleep(50);
      }
      if (first) {
        first = false;
        if (++usersServed === task.connections) everyUserServed();
      }
    }
  };
  // Every connection is opened before the load, while the servers are idle: a saturated Node
  // server accepts new connections late (seconds: docs/performance.md).
  const origins = task.flow === 'checkout' ? [task.url, task.simulatorUrl!] : [new URL(task.url).origin];
  await Promise.all(origins.flatMap((origin) => Array.from({ length: task.connections }, () => request('GET', `${origin}/health`, {}))));
  const users = Array.from({ length: task.connections }, (_, i) => user(i));
  // The warm-up lasts warmupS and until every user has ended one flow.
  const started = performance.now();
  let giveUp: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([served, sleep((task.warmupS ?? 1) * 1000)]),
    new Promise<void>((resolve) => {
      giveUp = setTimeout(resolve, MAX_WARMUP_MS);
    }),
  ]);
  clearTimeout(giveUp);
  measureFrom = performance.now();
  measuring = true;
  await sleep(task.durationS * 1000);
  end = performance.now();
  measuring = false;
  stopped = true;
  await Promise.all(users);
  const measuredS = (end - measureFrom) / 1000;
  latencies.sort((a, b) => a - b);
  gatewayShares.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);
  process.stdout.write(
    `${JSON.stringify({
      rps: latencies.length / measuredS,
      requests: latencies.length,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      p90Ms: round(percentile(latencies, 90)),
      maxMs: round(latencies.at(-1) ?? 0),
      meanMs: round(mean(latencies)),
      non2xx: failed,
      errors: 0,
      durationS: round(measuredS),
      warmupS: round((measureFrom - started) / 1000),
      gatewayMs: gatewayShares.length === 0 ? null : { p50: round(percentile(gatewayShares, 50)), p99: round(percentile(gatewayShares, 99)), mean: round(mean(gatewayShares)) },
      failures,
      // Mean time of each step per measured flow (steps timed inside the window, over the flows counted: a close estimate).
      stepsMs: Object.fromEntries([...stepTotals].map(([name, total]) => [name, latencies.length === 0 ? 0 : round(total / latencies.length)])),
      // Every flow completed, the warm-up's too (the runner divides the server's CPU time by it).
      completedWithWarmup: completed,
    })}\n`,
  );
  agent.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
