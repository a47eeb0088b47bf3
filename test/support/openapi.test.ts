import { describe, expect, it } from 'vitest';
import { v1EnvelopeErrors, v1SchemaErrors } from './openapi';

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

  it('checks a prepare answer by its own fields (the schema erratum drops the copied total/previous/next)', () => {
    const prepared = { code: 0, message: null, response: { merchant_uid: 'o1', amount: 1000, currency: null } };
    expect(v1SchemaErrors('post', '/payments/prepare', 200, prepared)).toEqual([]);
    expect(v1SchemaErrors('post', '/payments/prepare', 200, { ...prepared, response: { ...prepared.response, amount: '1000' } })).not.toEqual([]);
  });

  it('checks a bare envelope: code a number, all three members present', () => {
    expect(v1EnvelopeErrors({ code: 1, message: '지원하지 않습니다', response: null })).toEqual([]);
    expect(v1EnvelopeErrors({ code: '1', message: 'x', response: null })).not.toEqual([]);
    expect(v1EnvelopeErrors({ statusCode: 404, error: 'Not Found' })).not.toEqual([]);
  });
});
