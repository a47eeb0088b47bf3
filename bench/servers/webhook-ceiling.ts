/**
 * Benchmark 4's ceiling, in its own process: a bare loop posting what gyeol posts — the same V1
 * body, the same Standard Webhooks headers (an HMAC-SHA256 signature made per request) — to the
 * same receiver (`BENCH_RECEIVER_URL`) with the same concurrency (`BENCH_CONCURRENCY`), over
 * keep-alive connections (node:http Agent), for `BENCH_SECONDS` seconds or `BENCH_COUNT`
 * requests, whichever comes first. No database, no outbox, no retries: what the machine does for
 * the HTTP part alone.
 *
 * Prints one JSON line `{count, seconds, perS, non2xx, errors}` when done, then waits to be stopped.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const url = new URL(`${process.env.BENCH_RECEIVER_URL}/webhooks/iamport`);
const count = Number(process.env.BENCH_COUNT ?? 10_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const key = randomBytes(24);
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: concurrency, timeout: 4_000 });

let next = 0;
let completed = 0;
let non2xx = 0;
let errors = 0;

function post(i: number): Promise<void> {
  const impUid = `imp_9${String(i).padStart(11, '0')}`;
  const body = JSON.stringify({ imp_uid: impUid, merchant_uid: `ceil${i}`, status: 'paid' });
  const id = `msg_${randomBytes(18).toString('base64url')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
  return new Promise((resolve) => {
    const req = http.request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'gyeol-webhook/1',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (!res.statusCode || res.statusCode < 200 || res.statusCode > 299) non2xx++;
          completed++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

const started = performance.now();
const until = started + seconds * 1000;
async function loop(): Promise<void> {
  for (let i = next++; i < count && performance.now() < until; i = next++) await post(i);
}

await Promise.all(Array.from({ length: concurrency }, loop));
const elapsed = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ count: completed, seconds: elapsed, perS: completed / elapsed, non2xx, errors })}\n`);
agent.destroy();
const idle = setInterval(() => {}, 60_000);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    clearInterval(idle);
    process.exit(0);
  });
}
