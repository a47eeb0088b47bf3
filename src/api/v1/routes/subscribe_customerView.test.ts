import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { newBillingCustomerInput } from '../../../store/test-fixtures';
import { v1SchemaErrors } from '../../../../test/support/openapi';

forEachDatabase((_name, getStore) => {
  describe('billing customers: GET /subscribe/customers[/{customer_uid}], DELETE', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    const call = (method: 'GET' | 'DELETE' | 'POST', url: string) => h.app.inject({ method, url, headers: { Authorization: `Bearer ${token}` } });
    async function seed(customerUid: string) {
      const now = h.clock.now();
      return h.store.billingCustomers.save(
        newBillingCustomerInput(h.merchant.id, h.channel.id, { customerUid, pgId: h.channel.pgId, billingKeySealed: 'sealed-billing-key', customerEmail: null, customerAddr: null, customerPostcode: null, insertedAt: now, updatedAt: now }),
      );
    }

    it('answers a customer in V1 shape (never its key), valid against the V1 schema; 404 for an unknown one', async () => {
      await seed('cust_view1');
      const res = await call('GET', '/subscribe/customers/cust_view1');
      expect(res.statusCode).toBe(200);
      expect(v1SchemaErrors('get', '/subscribe/customers/{customer_uid}', 200, res.json())).toEqual([]);
      const seconds = Math.floor(h.clock.now().getTime() / 1000);
      expect(res.json()).toEqual({
        code: 0,
        message: null,
        response: {
          customer_uid: 'cust_view1',
          pg_provider: 'smartro_v2',
          pg_id: h.channel.pgId,
          sandbox: true,
          customer_id: 'member01',
          card_name: 'BC카드',
          card_code: '361',
          card_issuer_code: null,
          card_issuer_name: null,
          card_publisher_code: null,
          card_publisher_name: null,
          card_number: '5239-****-****-9001',
          card_type: 0,
          customer_name: '홍길동',
          customer_tel: '01012345678',
          customer_email: null,
          customer_addr: null,
          customer_postcode: null,
          inserted: seconds,
          updated: seconds,
        },
      });
      expect(res.body).not.toContain('sealed-billing-key');
      const missing = await call('GET', '/subscribe/customers/cust_nobody');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ code: -1, message: '등록된 고객정보가 없습니다.', response: null });
    });

    it('answers several at once: 200 all, 207 some, 404 none, in the order asked', async () => {
      await seed('cust_many1');
      await seed('cust_many2');
      const all = await call('GET', '/subscribe/customers?customer_uid[]=cust_many2&customer_uid[]=cust_many1');
      expect(all.statusCode).toBe(200);
      expect(v1SchemaErrors('get', '/subscribe/customers', 200, all.json())).toEqual([]);
      expect(all.json().response.map((c: { customer_uid: string }) => c.customer_uid)).toEqual(['cust_many2', 'cust_many1']);
      const some = await call('GET', '/subscribe/customers?customer_uid[]=cust_many1&customer_uid[]=cust_gone');
      expect(some.statusCode).toBe(207);
      expect(some.json().response.map((c: { customer_uid: string }) => c.customer_uid)).toEqual(['cust_many1']);
      expect((await call('GET', '/subscribe/customers?customer_uid[]=cust_gone')).statusCode).toBe(404);
      const none = await call('GET', '/subscribe/customers');
      expect(none.statusCode).toBe(400);
      expect(none.json().message).toBe('customer_uid: customer_uid[]를 하나 이상 입력해야 합니다');
    });

    it("deletes a customer (answered as it was), then it is gone; another store's stays out of reach", async () => {
      await seed('cust_del1');
      const other = await h.otherMerchant();
      const otherToken = (await h.app.inject({ method: 'POST', url: '/users/getToken', payload: { imp_key: other.apiKey, imp_secret: other.apiSecret } })).json().response.access_token;
      const foreign = await h.app.inject({ method: 'DELETE', url: '/subscribe/customers/cust_del1', headers: { Authorization: `Bearer ${otherToken}` } });
      expect(foreign.statusCode).toBe(404);
      const deleted = await call('DELETE', '/subscribe/customers/cust_del1?reason=%ED%95%B4%EC%A7%80');
      expect(deleted.statusCode).toBe(200);
      expect(v1SchemaErrors('delete', '/subscribe/customers/{customer_uid}', 200, deleted.json())).toEqual([]);
      expect(deleted.json().response.customer_uid).toBe('cust_del1');
      expect((await call('GET', '/subscribe/customers/cust_del1')).statusCode).toBe(404);
      expect((await call('DELETE', '/subscribe/customers/cust_del1')).statusCode).toBe(404);
    });

    it('keeps API issuing as V1 answers a PG without it (501): Smartro issues keys through its window', async () => {
      const res = await call('POST', '/subscribe/customers/cust_api1');
      expect(res.statusCode).toBe(501);
      expect(res.json().message).toContain('API 방식 빌링키 발급');
    });
  });
}, { per: 'file' });
