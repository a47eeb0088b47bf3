import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundHttp } from '../services/deps';
import { createOutboundHttp, type OutboundRequest } from './outbound';

/** Servers opened by a test, closed after it. */
const opened: (http.Server | net.Server)[] = [];
afterEach(async () => {
  await Promise.all(
    opened.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          if (server instanceof http.Server) server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

async function listen<T extends http.Server | net.Server>(server: T): Promise<{ server: T; port: number }> {
  opened.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver on 127.0.0.1 that records what it gets and answers with `answer`. */
async function receiver(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(req, res);
    });
  });
  const { port } = await listen(server);
  return { port, seen, url: `http://127.0.0.1:${port}` };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const request = (url: string, overrides: Partial<OutboundRequest> = {}): OutboundRequest => ({
  url,
  headers: { 'content-type': 'application/json' },
  body: '{"imp_uid":"imp_123456789012","status":"paid"}',
  connectTimeoutMs: 2000,
  readTimeoutMs: 2000,
  maxResponseBytes: 16 * 1024,
  ...overrides,
});

describe('createOutboundHttp', () => {
  // The gateway itself listens on `selfPort` of 127.0.0.1 in these tests.
  let selfPort = 0;
  // Typed as the services' contract: the client must satisfy it.
  const client: OutboundHttp = createOutboundHttp({ selfAddresses: () => [{ host: '127.0.0.1', port: selfPort }] });
  afterEach(() => {
    selfPort = 0;
  });

  it('POSTs the body and headers with content-length and returns the status, body and latency', async () => {
    const target = await receiver((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('OK 받음'));
    const result = await client.post(request(`${target.url}/hooks/gyeol?x=1`, { headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' } }));
    expect(result).toMatchObject({ ok: true, status: 200, body: 'OK 받음' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(target.seen).toHaveLength(1);
    expect(target.seen[0]).toMatchObject({ method: 'POST', url: '/hooks/gyeol?x=1', body: '{"imp_uid":"imp_123456789012","status":"paid"}' });
    expect(target.seen[0].headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'content-length': String(Buffer.byteLength('{"imp_uid":"imp_123456789012","status":"paid"}')),
    });
  });

  it('sets content-length from the body in bytes, whatever the caller passed', async () => {
    const target = await receiver((_req, res) => res.end());
    const body = '{"reason":"재고 부족"}';
    await client.post(request(target.url, { body, headers: { 'Content-Length': '1' } }));
    expect(target.seen[0].headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(target.seen[0].body).toBe(body);
  });

  it('opens a new connection for every call (no keep-alive)', async () => {
    const target = await receiver((_req, res) => res.end('ok'));
    const sockets = new Set<unknown>();
    const server = opened[opened.length - 1] as http.Server;
    server.on('connection', (socket) => sockets.add(socket));
    await client.post(request(target.url));
    await client.post(request(target.url));
    expect(sockets.size).toBe(2);
    expect(target.seen[0].headers.connection).toBe('close');
  });

  /**
   * A raw HTTP/1.1 server on 127.0.0.1 that keeps connections open and answers the n-th request
   * of the k-th connection as `answer(k, n)` says: after `delayMs`, or never (`hang`), or by
   * closing the connection without a word (`drop`, what a server closing an idle connection looks
   * like to a request that was just sent on it).
   */
  async function rawServer(answer: (connection: number, request: number) => { delayMs?: number } | 'hang' | 'drop') {
    let connections = 0;
    const sockets: net.Socket[] = [];
    const { server, port } = await listen(
      net.createServer((socket) => {
        sockets.push(socket);
        const k = connections++;
        let n = 0;
        let buffered = '';
        socket.on('data', (chunk) => {
          buffered += chunk.toString('latin1');
          for (;;) {
            const end = buffered.indexOf('\r\n\r\n');
            if (end < 0) return;
            const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
            if (buffered.length < end + 4 + length) return;
            buffered = buffered.slice(end + 4 + length);
            const what = answer(k, n++);
            if (what === 'hang') continue;
            if (what === 'drop') {
              socket.destroy();
              return;
            }
            setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nOK'), what.delayMs ?? 0);
          }
        });
      }),
    );
    // Closed after the test: its kept-alive connections too, or closing would wait for them.
    const close = server.close.bind(server);
    server.close = ((callback?: (err?: Error) => void) => {
      for (const socket of sockets) socket.destroy();
      return close(callback);
    }) as typeof server.close;
    return { url: `http://127.0.0.1:${port}/hook`, connections: () => connections };
  }

  it('with keepAlive, sends consecutive calls to an origin over one connection', async () => {
    const target = await rawServer(() => ({}));
    for (let i = 0; i < 3; i++) expect(await client.post(request(target.url, { keepAlive: true }))).toMatchObject({ ok: true, status: 200, body: 'OK' });
    expect(target.connections()).toBe(1);
  });

  it('with keepAlive, sends once more on a new connection when the server closed the reused one', async () => {
    // The first connection's second request is met by a close, as when the server drops an idle connection.
    const target = await rawServer((k, n) => (k === 0 && n === 1 ? 'drop' : {}));
    expect(await client.post(request(target.url, { keepAlive: true }))).toMatchObject({ ok: true, status: 200 });
    expect(await client.post(request(target.url, { keepAlive: true }))).toMatchObject({ ok: true, status: 200 });
    expect(target.connections()).toBe(2);
  });

  it('with keepAlive, times a reused connection from the request: a slow answer within the read timeout is fine, none is a read-timeout', async () => {
    const target = await rawServer((_k, n) => (n === 0 ? {} : n === 1 ? { delayMs: 400 } : 'hang'));
    expect(await client.post(request(target.url, { keepAlive: true }))).toMatchObject({ ok: true });
    // Longer than the connect timeout: a reused connection is connected already.
    expect(await client.post(request(target.url, { keepAlive: true, connectTimeoutMs: 200, readTimeoutMs: 2000 }))).toMatchObject({ ok: true, status: 200 });
    const hung = await client.post(request(target.url, { keepAlive: true, connectTimeoutMs: 200, readTimeoutMs: 300 }));
    expect(hung).toMatchObject({ ok: false, error: 'read-timeout' });
    expect(target.connections()).toBe(1);
    // The timed-out connection is not used again: the next call gets a new one (answered at once).
    expect(await client.post(request(target.url, { keepAlive: true }))).toMatchObject({ ok: true, status: 200 });
    expect(target.connections()).toBe(2);
  });

  it('does not follow a redirect: a 3xx is returned as the status', async () => {
    const elsewhere = await receiver((_req, res) => res.end('should not be reached'));
    const target = await receiver((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/moved` }).end());
    const result = await client.post(request(target.url));
    expect(result).toMatchObject({ ok: true, status: 302 });
    expect(elsewhere.seen).toHaveLength(0);
  });

  it.each(['ftp://127.0.0.1/x', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'ws://127.0.0.1:80/'])('refuses %s without sending', async (url) => {
    const result = await client.post(request(url));
    expect(result).toMatchObject({ ok: false, error: 'refused' });
  });

  it("refuses the gateway's own address and port, while another port on 127.0.0.1 is reachable", async () => {
    const gateway = await receiver((_req, res) => res.end('gateway'));
    const other = await receiver((_req, res) => res.end('other'));
    selfPort = gateway.port;
    const refused = await client.post(request(gateway.url));
    expect(refused).toMatchObject({ ok: false, error: 'refused' });
    expect(gateway.seen).toHaveLength(0);
    expect(await client.post(request(other.url))).toMatchObject({ ok: true, status: 200, body: 'other' });
  });

  it.each([
    ['localhost', (port: number) => `http://localhost:${port}/`],
    ['another loopback address', (port: number) => `http://127.0.0.2:${port}/`],
    ['the unspecified address', (port: number) => `http://0.0.0.0:${port}/`],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}/`],
    ['IPv4-mapped IPv6 loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
    ['a decimal IPv4 literal', (port: number) => `http://2130706433:${port}/`],
  ])("refuses %s on the gateway's port", async (_name, urlOf) => {
    const gateway = await receiver((_req, res) => res.end('gateway'));
    selfPort = gateway.port;
    expect(await client.post(request(urlOf(gateway.port)))).toMatchObject({ ok: false, error: 'refused' });
    expect(gateway.seen).toHaveLength(0);
  });

  it('refuses a loopback URL on the port of a gateway bound to 0.0.0.0', async () => {
    const target = await receiver((_req, res) => res.end('gateway'));
    const onAll = createOutboundHttp({ selfAddresses: () => [{ host: '0.0.0.0', port: target.port }] });
    expect(await onAll.post(request(target.url))).toMatchObject({ ok: false, error: 'refused' });
    expect(target.seen).toHaveLength(0);
  });

  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((info) => info !== undefined && !info.internal && info.family === 'IPv4');
  it.skipIf(!external)("refuses this machine's interface address on the port of a gateway bound to it (refused before any connection)", async () => {
    const address = external!.address;
    const bound = createOutboundHttp({ selfAddresses: () => [{ host: address, port: 4000 }] });
    expect(await bound.post(request(`http://${address}:4000/`))).toMatchObject({ ok: false, error: 'refused' });
  });

  it('answers read-timeout when the server accepts the request but never answers', async () => {
    const silent = await receiver(() => undefined);
    const result = await client.post(request(silent.url, { readTimeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, error: 'read-timeout' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    expect(result.latencyMs).toBeLessThan(1500);
    expect(silent.seen).toHaveLength(1);
  });

  it('answers read-timeout when the answer starts but never ends', async () => {
    const trickle = await receiver((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const result = await client.post(request(trickle.url, { readTimeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, error: 'read-timeout' });
  });

  it('answers connect-timeout when the TLS handshake of an https URL never completes', async () => {
    // Accepts TCP and never answers the ClientHello: the connection is never established.
    const sockets: net.Socket[] = [];
    const { server, port } = await listen(net.createServer((socket) => sockets.push(socket)));
    server.on('close', () => sockets.forEach((s) => s.destroy()));
    const result = await client.post(request(`https://127.0.0.1:${port}/`, { connectTimeoutMs: 300, readTimeoutMs: 5000 }));
    for (const socket of sockets) socket.destroy();
    expect(result).toMatchObject({ ok: false, error: 'connect-timeout' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    expect(result.latencyMs).toBeLessThan(1500);
    expect(sockets).toHaveLength(1);
  });

  it('reads the answer only up to maxResponseBytes and keeps the status, even when it never ends', async () => {
    const endless = await receiver((_req, res) => {
      res.writeHead(500);
      const chunk = 'x'.repeat(4096);
      const timer = setInterval(() => {
        if (res.destroyed) clearInterval(timer);
        else res.write(chunk);
      }, 5);
      res.on('close', () => clearInterval(timer));
    });
    const result = await client.post(request(endless.url, { maxResponseBytes: 10_000, readTimeoutMs: 5000 }));
    expect(result).toMatchObject({ ok: true, status: 500 });
    expect(result.ok && result.body).toBe('x'.repeat(10_000));
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it('returns a large finished answer cut to maxResponseBytes', async () => {
    const big = await receiver((_req, res) => res.end('가'.repeat(100_000)));
    const result = await client.post(request(big.url, { maxResponseBytes: 300 }));
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ok && result.body).toBe('가'.repeat(100));
  });

  it('answers network when the port is closed', async () => {
    const port = await closedPort();
    const result = await client.post(request(`http://127.0.0.1:${port}/`));
    expect(result).toMatchObject({ ok: false, error: 'network' });
    expect(!result.ok && result.message).toContain('ECONNREFUSED');
  });

  it('answers network when the server drops the connection mid-answer', async () => {
    const rude = await receiver((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part');
      setTimeout(() => req.socket.destroy(), 20);
    });
    expect(await client.post(request(rude.url))).toMatchObject({ ok: false, error: 'network' });
  });
});
