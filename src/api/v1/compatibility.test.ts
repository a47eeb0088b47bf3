import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../test/support/gateway-harness';
import { v1EnvelopeErrors } from '../../../test/support/openapi';
import { UNSUPPORTED_APIS, unsupportedApi } from './unsupported';

forEachDatabase((_name, getStore) => {
  describe('V1 envelope on every answer', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, extra: { payload?: string; headers?: Record<string, string> } = {}) =>
      h.app.inject({ method, url, headers: { Authorization: token, ...extra.headers }, ...(extra.payload === undefined ? {} : { payload: extra.payload }) });

    it('answers unknown routes, 405, 413, 414 and malformed URLs in the envelope with their status', async () => {
      const cases: { name: string; res: Awaited<ReturnType<typeof call>>; status: number; message: string }[] = [
        { name: 'unknown', res: await call('GET', '/no/such/api'), status: 404, message: '요청하신 API를 찾을 수 없습니다.' },
        { name: '405', res: await call('DELETE', '/payments/imp_000000000000'), status: 405, message: '허용되지 않는 요청 메서드입니다.' },
        { name: '405 prepare', res: await call('PATCH', '/payments/prepare'), status: 405, message: '허용되지 않는 요청 메서드입니다.' },
        {
          name: '413',
          res: await call('POST', '/payments/prepare', {
            payload: JSON.stringify({ merchant_uid: 'big', amount: 1, pad: 'x'.repeat(1024 * 1024 + 1) }),
            headers: { 'content-type': 'application/json' },
          }),
          status: 413,
          message: '요청 본문이 너무 큽니다.',
        },
        { name: '414', res: await call('GET', `/payments/${'x'.repeat(300)}`), status: 414, message: '요청 URL이 너무 깁니다.' },
        { name: '414 nested', res: await call('GET', `/payments/find/${'x'.repeat(300)}/paid`), status: 414, message: '요청 URL이 너무 깁니다.' },
        {
          name: 'bad %',
          res: await call('GET', '/payments/%E0%A4%A'),
          status: 400,
          message: '요청 URL을 해석할 수 없습니다 (퍼센트 인코딩(%XX)이 올바르지 않습니다)',
        },
        { name: 'bad % root', res: await call('GET', '/%zz'), status: 400, message: '요청 URL을 해석할 수 없습니다 (퍼센트 인코딩(%XX)이 올바르지 않습니다)' },
      ];
      for (const { name, res, status, message } of cases) {
        expect(res.statusCode, name).toBe(status);
        expect(res.headers['content-type'], name).toMatch(/^application\/json/);
        expect(res.json(), name).toEqual({ code: -1, message, response: null });
        expect(v1EnvelopeErrors(res.json()), name).toEqual([]);
      }
      expect(cases[1].res.headers.allow).toBe('GET');
      // GET /payments/prepare is GET /payments/{imp_uid} with imp_uid "prepare".
      expect(cases[2].res.headers.allow).toBe('GET, POST, PUT');
    });

    it("answers what Node's parser refuses (headers over its limit: 431, a garbled request: 400) in the envelope, then closes", async () => {
      const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = new URL(address);
      const raw = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
          let answer = '';
          socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
          socket.on('close', () => resolve(answer));
          socket.on('error', reject);
        });
      const big = await raw(`GET /payments/imp_000000000000 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(big.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4))).toEqual({ code: -1, message: '요청 헤더가 너무 큽니다.', response: null });
      const garbled = await raw('GARBAGE\r\n\r\n');
      expect(garbled.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
      expect(JSON.parse(garbled.slice(garbled.indexOf('\r\n\r\n') + 4))).toEqual({ code: -1, message: '요청을 해석할 수 없습니다.', response: null });
    });

    it('answers a validation error in the envelope, naming the field and the rule in Korean', async () => {
      const cases: [string, string][] = [
        ['/payments/status/all?limit=abc', 'limit: integer 타입이어야 합니다'],
        ['/payments/status/all?limit=1001', 'limit: 1000 이하여야 합니다'],
        ['/payments/status/all?page=0', 'page: 1 이상이어야 합니다'],
      ];
      for (const [url, message] of cases) {
        const res = await call('GET', url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json(), url).toEqual({ code: -1, message, response: null });
      }
    });

    it('answers 501 in the envelope with a Korean reason for V1 APIs gyeol does not serve', async () => {
      const cases: [Parameters<typeof call>[0], string, string][] = [
        ['GET', '/certifications/imp_123456789012', '본인인증'],
        ['POST', '/certifications/otp/request', '본인인증'],
        ['POST', '/payments/imp_123456789012/naver/cancel', '네이버페이'],
        ['GET', '/naver/reviews', '네이버페이'],
        ['GET', '/payco/orders/status/imp_123456789012', 'PAYCO'],
        ['POST', '/kakao/payment/orders', '카카오페이'],
        ['POST', '/subscribe/customers/customer1', '빌링키 발급'],
        ['POST', '/subscribe/payments/onetime', '빌링키 발급'],
      ];
      for (const [method, url, words] of cases) {
        const res = await call(method, url, method === 'GET' ? {} : { payload: '{}', headers: { 'content-type': 'application/json' } });
        expect(res.statusCode, url).toBe(501);
        expect(res.json().code, url).toBe(1);
        expect(res.json().response, url).toBeNull();
        expect(res.json().message, url).toContain(words);
        expect(v1EnvelopeErrors(res.json()), url).toEqual([]);
      }
    });

    it('still serves what it serves, and answers 404 for an unknown path outside the table', async () => {
      expect((await call('GET', '/payments/imp_000000000000')).statusCode).toBe(404);
      expect((await call('GET', '/subscribers')).json().message).toBe('요청하신 API를 찾을 수 없습니다.');
    });
  });
}, { per: 'file' });

describe('the table of V1 APIs gyeol does not serve', () => {
  it('matches by method and by path segment, not by prefix', () => {
    expect(unsupportedApi('POST', '/subscribe/customers/c1')?.message).toContain('API 방식 빌링키 발급');
    // The same path for another method is not in the table (GET /subscribe/customers/{uid} is served).
    expect(unsupportedApi('GET', '/subscribe/customers/c1')).toBeNull();
    // Served paths are not in the table (a method they lack answers 405, not 501).
    expect(unsupportedApi('GET', '/subscribe/payments/schedule/m1')).toBeNull();
    expect(unsupportedApi('DELETE', '/subscribe/payments/schedule')).toBeNull();
    expect(unsupportedApi('POST', '/subscribe/payments/again')).toBeNull();
    expect(unsupportedApi('GET', '/subscribe/customers/c1/schedules')).toBeNull();
    expect(unsupportedApi('GET', '/certifications')).not.toBeNull();
    expect(unsupportedApi('GET', '/certificationsx')).toBeNull();
    expect(unsupportedApi('GET', '/payments/imp_1/naverx')).toBeNull();
  });

  it('gives every entry a Korean message', () => {
    for (const api of UNSUPPORTED_APIS) expect(api.message, api.path).toMatch(/[가-힣]/);
  });
});
