import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('GET /banks, /banks/{code}, /cards, /cards/{code}', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    const get = (url: string, headers: Record<string, string> = { Authorization: token }) => h.app.inject({ method: 'GET', url, headers });

    it('lists the KFTC bank codes and finds one by code', async () => {
      const all = await get('/banks');
      expect(all.statusCode).toBe(200);
      expect(v1SchemaErrors('get', '/banks', 200, all.json())).toEqual([]);
      expect(all.json().response).toContainEqual({ code: '004', name: 'KB국민은행' });
      expect(all.json().response).toContainEqual({ code: '092', name: '토스뱅크' });
      expect(all.json().response).toHaveLength(22);
      const one = await get('/banks/088');
      expect(one.json()).toEqual({ code: 0, message: null, response: { code: '088', name: '신한은행' } });
      expect(v1SchemaErrors('get', '/banks/{bank_standard_code}', 200, one.json())).toEqual([]);
    });

    it('lists the card company codes and finds one by code', async () => {
      const all = await get('/cards');
      expect(v1SchemaErrors('get', '/cards', 200, all.json())).toEqual([]);
      expect(all.json().response).toContainEqual({ code: '366', name: '신한' });
      expect(all.json().response).toContainEqual({ code: '10005', name: '해외비자카드' });
      const one = await get('/cards/361');
      expect(one.json().response).toEqual({ code: '361', name: 'BC' });
      expect(v1SchemaErrors('get', '/cards/{card_standard_code}', 200, one.json())).toEqual([]);
    });

    it('answers 404 for an unknown code and 401 without a token', async () => {
      const bank = await get('/banks/999');
      expect(bank.statusCode).toBe(404);
      expect(bank.json()).toEqual({ code: -1, message: '코드에 해당되는 은행정보를 찾을 수 없습니다.', response: null });
      expect(v1SchemaErrors('get', '/banks/{bank_standard_code}', 404, bank.json())).toEqual([]);
      const card = await get('/cards/999');
      expect(card.statusCode).toBe(404);
      expect(card.json().message).toBe('코드에 해당되는 카드사정보를 찾을 수 없습니다.');
      for (const url of ['/banks', '/cards/361']) expect((await get(url, {})).statusCode).toBe(401);
    });
  });
}, { per: 'file' });
