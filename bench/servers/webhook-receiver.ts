/**
 * The merchant's webhook receiver for benchmark 4, in its own process: a bare node:http server on
 * 127.0.0.1 that answers every POST `200 OK` (keep-alive as Node serves it by default) and records
 * when each webhook arrived (wall clock in ms, sub-millisecond: `performance.timeOrigin + now()`,
 * comparable with the gateway process's commit times on the same machine).
 *
 * Control, under `/_bench/` (never counted): `GET stats` (counts), `GET arrivals` (the first
 * arrival of each imp_uid: `{impUid: ms}`), `POST reset`.
 * Prints one JSON line `{url}` once it listens.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const now = () => performance.timeOrigin + performance.now();

let first = new Map<string, number>();
let total = 0;
let duplicates = 0;
let firstAt: number | null = null;
let lastAt: number | null = null;
let unparsable = 0;

const server = http.createServer((req, res) => {
  if (req.url?.startsWith('/_bench/')) return control(req, res);
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = now();
    total++;
    firstAt ??= at;
    lastAt = at;
    const impUid = impUidOf(Buffer.concat(chunks).toString('utf8'), String(req.headers['content-type'] ?? ''));
    if (impUid === null) unparsable++;
    else if (first.has(impUid)) duplicates++;
    else first.set(impUid, at);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('OK');
  });
});

function impUidOf(body: string, contentType: string): string | null {
  try {
    const value = contentType.startsWith('application/json') ? (JSON.parse(body) as { imp_uid?: unknown }).imp_uid : new URLSearchParams(body).get('imp_uid');
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

function control(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const json = (value: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.url === '/_bench/stats') return json({ total, unique: first.size, duplicates, unparsable, firstAt, lastAt });
    if (req.url === '/_bench/arrivals') return json(Object.fromEntries(first));
    if (req.url === '/_bench/reset' && req.method === 'POST') {
      first = new Map();
      total = duplicates = unparsable = 0;
      firstAt = lastAt = null;
      return json({ ok: true });
    }
    res.writeHead(404).end();
  });
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
