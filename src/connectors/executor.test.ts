import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/clock';
import { createPgHttpClient } from '../http/pg-client';
import { ConnectorFault, type PgAnswer, type PgFetch, type PgFlow } from './contract';
import { executeFlow, faultFromTransportError, jsonAnswer } from './executor';

const URL_ = 'https://pg.example/pay';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('faultFromTransportError', () => {
  it('classifies an abort by the deadline as a timeout with an unknown outcome', () => {
    for (const err of [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), new DOMException('aborted', 'AbortError')]) {
      const fault = faultFromTransportError(err, URL_, 1_500);
      expect(fault).toBeInstanceOf(ConnectorFault);
      expect(fault).toMatchObject({ kind: 'timeout', outcomeUnknown: true, message: `PG did not answer ${URL_} within 1500 ms` });
      expect(fault.cause).toBe(err);
    }
  });

  it('knows refused and unresolvable connections never reached the PG', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']) {
      const fault = faultFromTransportError(new TypeError('fetch failed', { cause: withCode(code) }), URL_, 1_000);
      expect(fault).toMatchObject({ kind: 'network', outcomeUnknown: false, message: `Could not reach the PG at ${URL_} (${code})` });
    }
  });

  it('looks into AggregateErrors (one attempt per address) and needs every attempt to be unsent', () => {
    const allRefused = new TypeError('fetch failed', { cause: new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]) });
    expect(faultFromTransportError(allRefused, URL_, 1_000)).toMatchObject({ kind: 'network', outcomeUnknown: false });
    const oneReset = new TypeError('fetch failed', { cause: new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNRESET')]) });
    expect(faultFromTransportError(oneReset, URL_, 1_000)).toMatchObject({ kind: 'network', outcomeUnknown: true });
  });

  it('treats resets, socket errors and errors without a code as possibly sent', () => {
    for (const cause of [withCode('ECONNRESET'), withCode('UND_ERR_SOCKET'), withCode('EPIPE'), new Error('other side closed')]) {
      expect(faultFromTransportError(new TypeError('fetch failed', { cause }), URL_, 1_000)).toMatchObject({ kind: 'network', outcomeUnknown: true });
    }
    expect(faultFromTransportError('a string', URL_, 1_000)).toMatchObject({ kind: 'network', outcomeUnknown: true, message: `Could not reach the PG at ${URL_} (network error)` });
  });
});

describe('jsonAnswer', () => {
  const answer = (status: number, body: string): PgAnswer => ({ status, body, url: URL_ });

  it('parses a JSON body, whatever the status', () => {
    expect(jsonAnswer(answer(200, '{"ResultCode":"3001","n":[1,null]}'))).toEqual({ ResultCode: '3001', n: [1, null] });
    expect(jsonAnswer(answer(500, '{"ResultCode":"9999"}'))).toEqual({ ResultCode: '9999' });
  });

  it('faults http on an error status without JSON, malformed on a success without JSON', () => {
    for (const status of [301, 404, 500, 503]) {
      expect(() => jsonAnswer(answer(status, '<html></html>'))).toThrow(new ConnectorFault('http', `PG answered HTTP ${status} at ${URL_}`));
    }
    for (const body of ['<html></html>', '', '{"ResultCode":']) {
      const fault = (() => {
        try {
          jsonAnswer(answer(200, body));
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect(fault).toBeInstanceOf(ConnectorFault);
      expect(fault).toMatchObject({ kind: 'malformed', outcomeUnknown: true });
    }
  });
});

// The same behaviour through the global fetch and through gyeol's own client (production's).
const pgClient = createPgHttpClient();
afterAll(() => pgClient.closeIdle());

describe.each<[string, PgFetch]>([
  ['the global fetch', globalThis.fetch],
  ['http/pg-client', pgClient.fetch],
])('executeFlow over HTTP, through %s', (_name, fetch) => {
  let server: Server;
  let base: string;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;
  const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        handle(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    requests.length = 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A flow that sends what it is given and hands back the answer and the times it was called with. */
  const echoFlow: PgFlow<{ base: string }, { path: string; body: string | null }, { answer: PgAnswer; builtAt: Date; readAt: Date }> = {
    buildRequest: (c, input, now) => {
      builtAt = now;
      return { method: input.body === null ? 'GET' : 'POST', url: `${c.base}${input.path}`, headers: { 'X-Test': 'yes', 'Content-Type': 'text/plain' }, body: input.body };
    },
    readAnswer: (_c, _input, answer, now) => ({ answer, builtAt, readAt: now }),
  };
  let builtAt = new Date(0);

  it('sends what the flow describes and hands the whole answer to readAnswer, with the clock’s time', async () => {
    handle = (_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('네, 받았습니다');
    };
    const clock = new ManualClock(new Date('2026-01-15T03:00:00Z'));
    const result = await executeFlow({ fetch, clock, timeoutMs: 2_000 }, echoFlow, { base }, { path: '/a?b=1', body: '본문' });
    expect(result).toEqual({
      answer: { status: 201, body: '네, 받았습니다', url: `${base}/a?b=1` },
      builtAt: new Date('2026-01-15T03:00:00Z'),
      readAt: new Date('2026-01-15T03:00:00Z'),
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', url: '/a?b=1', body: '본문', headers: { 'x-test': 'yes', 'content-type': 'text/plain' } });
  });

  it('sends no body for a GET', async () => {
    handle = (_req, res) => res.end('ok');
    const clock = new ManualClock();
    await executeFlow({ fetch, clock, timeoutMs: 2_000 }, echoFlow, { base }, { path: '/g', body: null });
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/g', body: '' });
  });

  it('classifies a connection the PG dropped after the request as a network fault with an unknown outcome', async () => {
    handle = (req) => req.socket.destroy();
    const fault = await executeFlow({ fetch, clock: new ManualClock(), timeoutMs: 2_000 }, echoFlow, { base }, { path: '/x', body: 'b' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(fault).toBeInstanceOf(ConnectorFault);
    expect(fault).toMatchObject({ kind: 'network', outcomeUnknown: true });
  });

  it('applies the deadline to the whole answer, not only to its headers', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ResultCode":');
      // The rest never comes.
    };
    const started = Date.now();
    const fault = await executeFlow({ fetch, clock: new ManualClock(), timeoutMs: 200 }, echoFlow, { base }, { path: '/slow', body: 'b' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(fault).toMatchObject({ kind: 'timeout', outcomeUnknown: true });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('knows a refused connection never reached the PG', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const fault = await executeFlow({ fetch, clock: new ManualClock(), timeoutMs: 2_000 }, echoFlow, { base: `http://127.0.0.1:${port}` }, { path: '/x', body: 'b' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(fault).toMatchObject({ kind: 'network', outcomeUnknown: false });
  });
});
