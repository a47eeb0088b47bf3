import { describe, expect, it } from 'vitest';
import { v1SchemaErrors } from './openapi';

// The contract checker itself must be able to fail, or the contract tests prove nothing.
describe('V1 schema checker', () => {
  const valid = {
    code: 0,
    message: null,
    response: { imp_uid: 'imp_123456789012', merchant_uid: 'o1', amount: 1000, cancel_amount: 0, currency: 'KRW', status: 'paid', sandbox: true },
  };

  it('accepts a minimal valid payment answer', () => {
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, valid)).toEqual([]);
  });

  it('rejects a missing required field, a wrong type and a too-long string', () => {
    const { sandbox: _s, ...noSandbox } = valid.response;
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, { ...valid, response: noSandbox })).not.toEqual([]);
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, { ...valid, response: { ...valid.response, amount: '1000' } })).not.toEqual([]);
    expect(v1SchemaErrors('get', '/payments/{imp_uid}', 200, { ...valid, response: { ...valid.response, merchant_uid: 'x'.repeat(41) } })).not.toEqual([]);
    expect(v1SchemaErrors('post', '/users/getToken', 200, { code: 0, message: null, response: { access_token: 'a', now: 1 } })).not.toEqual([]);
  });
});
