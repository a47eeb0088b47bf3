import { describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../contract';
import { billingSettingsProblem, readSmartroCredentials, SMARTRO_RECEIPT_HOSTS } from './credentials';
import { TEST_MERCHANT_KEY, TEST_MID } from './test-fixtures';

function channel(overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return {
    pgId: TEST_MID,
    testMode: true,
    settings: { jsBaseUrl: 'https://js.example/', apiBaseUrl: 'https://api.example/pg//' },
    secrets: { merchantKey: TEST_MERCHANT_KEY, cancelPassword: '123456' },
    ...overrides,
  };
}

/** The fields a refused channel's violations name. */
function refusedFields(config: ChannelConfig): string[] {
  const read = readSmartroCredentials(config);
  if (read.ok) throw new Error('expected the channel to be refused');
  return read.violations.map((v) => v.field);
}

describe('readSmartroCredentials', () => {
  it('reads a good test channel, strips trailing slashes and defaults the hosts', () => {
    expect(readSmartroCredentials(channel())).toEqual({
      ok: true,
      credentials: {
        mid: TEST_MID,
        merchantKey: TEST_MERCHANT_KEY,
        cancelPassword: '123456',
        jsBaseUrl: 'https://js.example',
        mobileJsBaseUrl: 'https://js.example',
        apiBaseUrl: 'https://api.example/pg',
        receiptBaseUrl: SMARTRO_RECEIPT_HOSTS.test,
        testMode: true,
      },
    });
  });

  it('reads the optional escrow API Key, and names it when empty', () => {
    const read = readSmartroCredentials(channel({ secrets: { merchantKey: TEST_MERCHANT_KEY, cancelPassword: '123456', escrowApiKey: 'escrow-key' } }));
    expect(read.ok && read.credentials.escrowApiKey).toBe('escrow-key');
    expect(refusedFields(channel({ secrets: { merchantKey: TEST_MERCHANT_KEY, cancelPassword: '123456', escrowApiKey: '' } }))).toEqual(['secrets.escrowApiKey']);
  });

  it('reads the optional ssp Mall ID (billing), names a bad one, and billing needs it', () => {
    const settings = { jsBaseUrl: 'https://js.example', apiBaseUrl: 'https://api.example' };
    const read = readSmartroCredentials(channel({ settings: { ...settings, sspMallId: 'SSP_mall-01' } }));
    expect(read.ok && read.credentials.sspMallId).toBe('SSP_mall-01');
    expect(read.ok && billingSettingsProblem(read.credentials)).toBeNull();
    const bad = readSmartroCredentials(channel({ settings: { ...settings, sspMallId: 'mall id!' } }));
    expect(bad).toEqual({ ok: false, violations: [{ field: 'settings.sspMallId', rule: 'ssp Mall ID는 영문자, 숫자, _, -만 사용할 수 있습니다' }] });
    const without = readSmartroCredentials(channel());
    expect(without.ok && 'sspMallId' in without.credentials).toBe(false);
    expect(without.ok && billingSettingsProblem(without.credentials)).toEqual({
      field: 'settings.sspMallId',
      rule: '스마트로 정기결제(빌링키)에는 채널 설정의 ssp Mall ID(sspMallId)가 필요합니다',
    });
  });

  it('defaults the receipt host of a live channel to Smartro’s real one', () => {
    const read = readSmartroCredentials(channel({ testMode: false }));
    expect(read).toMatchObject({ ok: true, credentials: { receiptBaseUrl: 'https://www.smilepay.co.kr', testMode: false } });
    expect(SMARTRO_RECEIPT_HOSTS).toEqual({ test: 'https://test.smilepay.co.kr', real: 'https://www.smilepay.co.kr' });
  });

  it('uses the mobile JS host and receipt host when the channel sets them', () => {
    const read = readSmartroCredentials(
      channel({
        settings: {
          jsBaseUrl: 'https://js.example',
          mobileJsBaseUrl: 'https://m.js.example/',
          apiBaseUrl: 'https://api.example',
          receiptBaseUrl: 'http://127.0.0.1:4001/',
        },
      }),
    );
    expect(read).toMatchObject({
      ok: true,
      credentials: { jsBaseUrl: 'https://js.example', mobileJsBaseUrl: 'https://m.js.example', receiptBaseUrl: 'http://127.0.0.1:4001' },
    });
  });

  it('names pg_id when the MID is not 10 letters or digits', () => {
    for (const pgId of ['short', 'gyeoltest12', 'gyeol-tst1', '']) {
      expect(readSmartroCredentials(channel({ pgId }))).toEqual({
        ok: false,
        violations: [{ field: 'pg_id', rule: '스마트로 MID는 영문자·숫자(밑줄 포함) 10자입니다' }],
      });
    }
  });

  it('names settings.jsBaseUrl when it is not an http(s) URL', () => {
    for (const jsBaseUrl of ['not a url', 'ftp://js.example', 'https://', 'https://js.example/?q=1', 'javascript:alert(1)']) {
      expect(refusedFields(channel({ settings: { jsBaseUrl, apiBaseUrl: 'https://api.example' } }))).toEqual(['settings.jsBaseUrl']);
    }
  });

  it('names secrets.merchantKey when the key is shorter than 32 characters', () => {
    const read = readSmartroCredentials(channel({ secrets: { merchantKey: 'k'.repeat(31), cancelPassword: '123456' } }));
    expect(read).toEqual({ ok: false, violations: [{ field: 'secrets.merchantKey', rule: expect.stringContaining('32') }] });
  });

  it('names an unknown extra setting or secret', () => {
    expect(refusedFields(channel({ settings: { jsBaseUrl: 'https://js.example', apiBaseUrl: 'https://api.example', jsHost: 'x' } }))).toEqual([
      'settings.jsHost',
    ]);
    expect(refusedFields(channel({ secrets: { merchantKey: TEST_MERCHANT_KEY, cancelPassword: '1', note: 'x' } }))).toEqual(['secrets.note']);
  });

  it('reports every problem at once', () => {
    const fields = refusedFields({ pgId: 'bad', testMode: true, settings: { jsBaseUrl: 'https://js.example' }, secrets: { merchantKey: TEST_MERCHANT_KEY, cancelPassword: '1234567' } });
    expect(new Set(fields)).toEqual(new Set(['pg_id', 'settings.apiBaseUrl', 'secrets.cancelPassword']));
  });

  it('names the whole settings or secrets when they are not objects', () => {
    expect(refusedFields(channel({ settings: null }))).toEqual(['settings']);
    expect(refusedFields(channel({ secrets: 'key' }))).toEqual(['secrets']);
  });

  describe('cardCodes (corrections of Smartro card codes)', () => {
    const withCodes = (cardCodes: unknown) => channel({ settings: { jsBaseUrl: 'https://js.example', apiBaseUrl: 'https://api.example', cardCodes } });

    it('reads corrections into the credentials', () => {
      expect(readSmartroCredentials(withCodes({ '366': '41', '10001': '31' }))).toMatchObject({ ok: true, credentials: { cardCodes: { '366': '41', '10001': '31' } } });
      const none = readSmartroCredentials(withCodes({}));
      expect(none.ok && none.credentials.cardCodes).toBeUndefined();
    });

    it('refuses a code outside the card table, a legacy alias, a Smartro code that is not 2 digits, and a clash', () => {
      const violations = (cardCodes: unknown) => {
        const read = readSmartroCredentials(withCodes(cardCodes));
        return read.ok ? [] : read.violations;
      };
      expect(violations({ '999': '41' })).toEqual([{ field: 'settings.cardCodes.999', rule: '카드 코드표에 없는 카드사 코드입니다 (portone_v1 card_code)' }]);
      expect(violations({ VIS: '41' })).toEqual([{ field: 'settings.cardCodes.VIS', rule: '카드 코드표에 없는 카드사 코드입니다 (portone_v1 card_code)' }]);
      expect(violations({ '366': '6' })).toEqual([{ field: 'settings.cardCodes.366', rule: '스마트로 카드사 코드는 숫자 2자리입니다' }]);
      expect(violations({ '366': '01' })).toEqual([{ field: 'settings.cardCodes.366', rule: '다른 카드사(361 BC)와 같은 스마트로 코드입니다' }]);
      // Swapping two codes is no clash.
      expect(violations({ '366': '01', '361': '06' })).toEqual([]);
    });
  });
});
