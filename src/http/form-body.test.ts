import { describe, expect, it } from 'vitest';
import { parseFormBody } from './form-body';

describe('parseFormBody', () => {
  it('keeps plain keys as strings', () => {
    expect(parseFormBody('imp_key=123&imp_secret=a%2Bb%3D')).toEqual({ imp_key: '123', imp_secret: 'a+b=' });
  });

  it('folds a[]=x&a[]=y into an array and a[b]=x into an object', () => {
    expect(parseFormBody('imp_uid[]=imp_1&imp_uid[]=imp_2&extra[requester]=admin')).toEqual({
      imp_uid: ['imp_1', 'imp_2'],
      extra: { requester: 'admin' },
    });
  });

  it('never writes to Object.prototype', () => {
    const parsed = parseFormBody('__proto__[polluted]=1&constructor[prototype][x]=1&a=1');
    expect(parsed).toEqual({ a: '1' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
