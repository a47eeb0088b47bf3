import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPgHttpClient } from './pg-client';

describe('the PG HTTP client', () => {
  let server: Server;
  let base: string;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string; socket: unknown }[] = [];
  const client = createPgHttpClient();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), socket: req.socket });
        handle(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    seen.length = 0;
  });
  afterAll(async () => {
    client.closeIdle();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = (path: string, body: string, signal = AbortSignal.timeout(2_000)) =>
    client.fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body, signal });

  it('sends the method, headers and body with its byte length (not chunked), and hands back the status and the whole answer', async () => {
    handle = (_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"ResultCode":');
      res.end('"3001","ResultMsg":"승인"}');
    };
    const answer = await post('/ssbbill.do?x=1', '{"EncData":"가나"}');
    expect(answer.status).toBe(201);
    expect(await answer.text()).toBe('{"ResultCode":"3001","ResultMsg":"승인"}');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/ssbbill.do?x=1', body: '{"EncData":"가나"}' });
    expect(seen[0]!.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json', 'content-length': String(Buffer.byteLength('{"EncData":"가나"}')) });
    expect(seen[0]!.headers['transfer-encoding']).toBeUndefined();
  });

  it('keeps the connection for the next call', async () => {
    handle = (_req, res) => res.end('ok');
    await post('/a', 'x');
    await post('/b', 'y');
    expect(seen.map((s) => s.url)).toEqual(['/a', '/b']);
    expect(seen[0]!.socket).toBe(seen[1]!.socket);
  });

  it('drops a UTF-8 byte order mark, as fetch’s text() does', async () => {
    handle = (_req, res) => res.end('\uFEFF{"a":1}');
    expect(await (await post('/bom', '')).text()).toBe('{"a":1}');
  });

  it('answers a redirect as it is, without following it', async () => {
    handle = (req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.end('followed');
    };
    const answer = await post('/moved', 'key');
    expect(answer.status).toBe(302);
    expect(seen.map((s) => s.url)).toEqual(['/moved']);
  });

  it('ends the call with the signal’s reason when it fires before the answer ends, and drops that connection', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ResultCode":');
      // The rest never comes.
    };
    const failure = await post('/slow', 'b', AbortSignal.timeout(100)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ name: 'TimeoutError' });
    handle = (_req, res) => res.end('next');
    expect(await (await post('/next', 'c')).text()).toBe('next');
    expect(seen[1]!.socket).not.toBe(seen[0]!.socket);
  });

  it('refuses at once with a signal that already fired', async () => {
    const controller = new AbortController();
    controller.abort(new DOMException('gone', 'AbortError'));
    await expect(post('/never', 'b', controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(0);
  });

  it('rejects with the socket error’s code: ECONNREFUSED when nothing listens, a reset when the PG drops the connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(client.fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', headers: {}, body: 'b' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    handle = (req) => req.socket.destroy();
    const dropped = await post('/drop', 'b').then(
      () => null,
      (e: unknown) => e as { code?: string },
    );
    expect(dropped?.code).toBeTruthy();
    expect(dropped?.code).not.toBe('ECONNREFUSED');
  });

  it('refuses URLs that are not http: or https:', async () => {
    await expect(client.fetch('file:///etc/passwd', { method: 'GET', headers: {} })).rejects.toThrow('only http: and https:');
  });
});
