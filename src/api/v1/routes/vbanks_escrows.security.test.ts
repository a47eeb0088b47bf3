import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test/support/databases';
import { createGatewayHarness, type GatewayHarness } from '../../../../test/support/gateway-harness';
import { v1SchemaErrors } from '../../../../test/support/openapi';

/** The vbank and escrow routes need a token and see only the caller's store. */
forEachDatabase((_name, getStore) => {
  describe('vbanks and escrows: tokens and store isolation', () => {
    let h: GatewayHarness;
    let token: string;
    beforeAll(async () => {
      h = await createGatewayHarness(getStore());
      token = await h.token();
    });
    afterAll(async () => h.close());

    const party = { name: 'a', tel: '1', postcode: '1', formed_address: { address_line_1: 'a', address_line_2: 'b' } };
    const delivery = { sender: party, receiver: party, logis: { company: 'CJGLS', invoice: '1', sent_at: 1_764_000_000 } };
    const vbank = { channel_key: 'x', merchant_uid: 'o1', amount: 1000, vbank_code: '088', vbank_due: 4_102_444_800 };
    // Well-formed bodies: the token is what is missing (a malformed body is refused first, 400).
    const routes: [string, string, string, unknown][] = [
      ['POST', '/vbanks', '/vbanks', vbank],
      ['PUT', '/vbanks/imp_000000000001', '/vbanks/{imp_uid}', { amount: 1000 }],
      ['GET', '/vbanks/holder?bank_code=088&bank_num=110123456789', '', undefined],
      ['GET', '/escrows/logis/imp_000000000001', '/escrows/logis/{imp_uid}', undefined],
      ['POST', '/escrows/logis/imp_000000000001', '/escrows/logis/{imp_uid}', delivery],
      ['PUT', '/escrows/logis/imp_000000000001', '/escrows/logis/{imp_uid}', delivery],
    ];

    it('answers 401 in the envelope without a token', async () => {
      for (const [method, url, specPath, payload] of routes) {
        const res = await h.app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload: payload as object }) });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        if (specPath) expect(v1SchemaErrors(method, specPath, 401, res.json())).toEqual([]);
        else expect(res.json()).toMatchObject({ code: -1, response: null });
      }
    });

    it("answers 404 for another store's payment, as for none", async () => {
      const other = await h.otherMerchant();
      const theirs = await h.seedPayment({ storeId: other.merchant.id, channelId: other.channel.id });
      const calls: [string, string, unknown][] = [
        ['PUT', `/vbanks/${theirs.impUid}`, { amount: 1000 }],
        ['GET', `/escrows/logis/${theirs.impUid}`, undefined],
        ['POST', `/escrows/logis/${theirs.impUid}`, delivery],
        ['PUT', `/escrows/logis/${theirs.impUid}`, delivery],
      ];
      for (const [method, url, payload] of calls) {
        const res = await h.app.inject({ method: method as 'GET', url, headers: { Authorization: token }, ...(payload === undefined ? {} : { payload: payload as object }) });
        expect([res.statusCode, res.json()], `${method} ${url}`).toEqual([404, { code: -1, message: '존재하지 않는 결제정보입니다.', response: null }]);
      }
    });
  });
}, { per: 'file' });
