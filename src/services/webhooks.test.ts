import { describe, expect, it } from 'vitest';
import { encodeWebhookBody, newWebhookSecret, signWebhook } from './webhooks';

describe('signWebhook', () => {
  it('matches HMAC-SHA256 computed by openssl over id.timestamp.body with the decoded secret', () => {
    // printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
    //   openssl dgst -sha256 -mac HMAC -macopt hexkey:$(echo -n MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p) -binary | base64
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('changes with any of id, timestamp, body or secret', () => {
    const base = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1, 'x');
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_2', 1, 'x')).not.toBe(base);
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 2, 'x')).not.toBe(base);
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1, 'y')).not.toBe(base);
    expect(signWebhook(newWebhookSecret(), 'msg_1', 1, 'x')).not.toBe(base);
  });
});

describe('newWebhookSecret', () => {
  it('is whsec_ and 24 random bytes in base64, different each time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(24);
    expect(newWebhookSecret()).not.toBe(a);
  });
});

describe('encodeWebhookBody', () => {
  const payload = { imp_uid: 'imp_123456789012', merchant_uid: 'order 1&2', status: 'paid' };
  it('writes JSON', () => {
    expect(encodeWebhookBody('json', payload)).toEqual({
      body: '{"imp_uid":"imp_123456789012","merchant_uid":"order 1&2","status":"paid"}',
      mediaType: 'application/json',
    });
  });
  it('writes a form body, escaped', () => {
    expect(encodeWebhookBody('form', payload)).toEqual({
      body: 'imp_uid=imp_123456789012&merchant_uid=order+1%262&status=paid',
      mediaType: 'application/x-www-form-urlencoded',
    });
  });
});
