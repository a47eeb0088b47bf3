import { describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors';
import { parseFormBody } from './form-body';
import { MAX_NESTING_DEPTH } from './limits';

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

  it('nests keys up to the depth limit and refuses one level more with a 400 naming the key', () => {
    const atLimit = parseFormBody(`a${'[b]'.repeat(MAX_NESTING_DEPTH - 1)}=1`);
    let node: unknown = atLimit;
    for (let level = 1; level < MAX_NESTING_DEPTH; level++) node = (node as Record<string, unknown>)[level === 1 ? 'a' : 'b'];
    expect(node).toEqual({ b: '1' });

    let thrown: unknown = null;
    try {
      parseFormBody(`a${'[b]'.repeat(MAX_NESTING_DEPTH)}=1`);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({
      code: 'INVALID_PARAMETER',
      status: 400,
      field: 'a',
      message: `a: 객체·배열은 최대 ${MAX_NESTING_DEPTH}단계까지만 중첩할 수 있습니다`,
    });
  });
});
