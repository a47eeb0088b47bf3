/**
 * A Smartro channel's settings and secrets: the schema checked when a channel is saved, and the
 * credentials the connector works with.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { FieldViolation } from '../../domain/errors';
import type { ChannelConfig } from '../contract';
import { SMARTRO_CARD_COMPANIES, withSmartroCardCodes } from './wire';

const BaseUrl = Type.String({ pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$', maxLength: 500 });

/** A V1 card code of the card table (no legacy alias: a correction names the company once). */
const CARD_CODE_KEY = `^(${SMARTRO_CARD_COMPANIES.map((c) => c.kftcCode).join('|')})$`;
const SmartroCardCode = Type.String({ pattern: '^\\d{2}$' });
/** Smartro's ssp Mall ID: its format is not public; letters, digits, `_` and `-` (our assumption). */
const SspMallId = Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9_-]+$' });

/** Non-secret settings: where Smartro's hosts are (the real ones, or a stand-in). */
export const SmartroSettingsSchema = Type.Object(
  {
    /** Serves `/asset/js/SmartroPAY-1.0.min.js` for PC. */
    jsBaseUrl: BaseUrl,
    /** The same for mobile; defaults to jsBaseUrl. */
    mobileJsBaseUrl: Type.Optional(BaseUrl),
    /** The approval host (`/payment/approval/*.do`). */
    apiBaseUrl: BaseUrl,
    /** The receipt host (`/issue/IssueLoader.jsp`); defaults to Smartro's test or real one by channel mode. */
    receiptBaseUrl: Type.Optional(BaseUrl),
    /**
     * Corrections of Smartro's card company codes, V1 code → Smartro's 2-digit code (e.g.
     * `{"366": "41"}`), for when Smartro's real table differs from the assumed one (wire.ts).
     */
    /**
     * The ssp Mall ID Smartro issues for recurring billing (PortOne's Smartro channel setting
     * "ssp Mall ID"). Absent: the channel cannot issue or charge billing keys.
     */
    sspMallId: Type.Optional(SspMallId),
    cardCodes: Type.Optional(Type.Record(Type.String({ pattern: CARD_CODE_KEY }), SmartroCardCode, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** Secret settings, sealed at rest. */
export const SmartroSecretsSchema = Type.Object(
  {
    /** Signs EncryptData, verifies SignValue, keys the AES envelope (its first 32 characters). */
    merchantKey: Type.String({ minLength: 32, maxLength: 200 }),
    /** Cancel password set in Smartro's merchant admin (≤ 6 characters). */
    cancelPassword: Type.String({ minLength: 1, maxLength: 6 }),
    /**
     * The escrow "API Key" Smartro issues with an escrow contract (PortOne's Smartro channel
     * setting), sent with escrow delivery registrations. Absent: escrow delivery is refused.
     */
    escrowApiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export type SmartroSettings = Static<typeof SmartroSettingsSchema>;
export type SmartroSecrets = Static<typeof SmartroSecretsSchema>;

/** Smartro's receipt hosts (protocol reference §1). */
export const SMARTRO_RECEIPT_HOSTS = { test: 'https://test.smilepay.co.kr', real: 'https://www.smilepay.co.kr' } as const;

/** What the Smartro connector works with, read from a channel. */
export interface SmartroCredentials {
  /** Smartro MID (10 characters). */
  mid: string;
  merchantKey: string;
  cancelPassword: string;
  /** The escrow API Key, when the channel has one. */
  escrowApiKey?: string;
  /** The ssp Mall ID for billing, when the channel has one (see {@link billingSettingsProblem}). */
  sspMallId?: string;
  jsBaseUrl: string;
  mobileJsBaseUrl: string;
  apiBaseUrl: string;
  receiptBaseUrl: string;
  /** Test channel: Smartro's STG mode, and V1 `sandbox: true`. */
  testMode: boolean;
  /** The channel's corrections of Smartro card codes (V1 code → Smartro code); none: the assumed table. */
  cardCodes?: Readonly<Record<string, string>>;
}

const MID = /^[A-Za-z0-9_]{10}$/;

/** A schema error in Korean (what a console shows next to the field). */
function koreanRule(error: ValueError): string {
  const schema = error.schema as { minLength?: number; maxLength?: number; pattern?: string };
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return '필수 입력값입니다';
    case ValueErrorType.ObjectAdditionalProperties:
      return error.path.startsWith('/cardCodes/') ? '카드 코드표에 없는 카드사 코드입니다 (portone_v1 card_code)' : '알 수 없는 설정입니다';
    case ValueErrorType.StringMinLength:
      return `최소 ${schema.minLength}자 이상이어야 합니다`;
    case ValueErrorType.StringMaxLength:
      return `최대 ${schema.maxLength}자까지 입력할 수 있습니다`;
    case ValueErrorType.StringPattern:
      if (schema.pattern === BaseUrl.pattern) return 'http(s)로 시작하는 주소여야 합니다 (쿼리 없이)';
      if (schema.pattern === SspMallId.pattern) return 'ssp Mall ID는 영문자, 숫자, _, -만 사용할 수 있습니다';
      return schema.pattern === SmartroCardCode.pattern ? '스마트로 카드사 코드는 숫자 2자리입니다' : '형식이 올바르지 않습니다';
    case ValueErrorType.String:
      return '문자열이어야 합니다';
    case ValueErrorType.Object:
      return '객체여야 합니다';
    default:
      return `올바르지 않은 값입니다 (${error.message})`;
  }
}

function violations(prefix: string, schema: typeof SmartroSettingsSchema | typeof SmartroSecretsSchema, value: unknown): FieldViolation[] {
  const seen = new Set<string>();
  const out: FieldViolation[] = [];
  for (const error of Value.Errors(schema, value)) {
    const field = `${prefix}${error.path.replace(/^\//, '.').replace(/\//g, '.')}`;
    // One rule per field: the first it breaks.
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, rule: koreanRule(error) });
  }
  return out;
}

/** Reads and checks a channel's stored settings. */
export function readSmartroCredentials(channel: ChannelConfig): { ok: true; credentials: SmartroCredentials } | { ok: false; violations: FieldViolation[] } {
  const problems: FieldViolation[] = [];
  if (!MID.test(channel.pgId)) problems.push({ field: 'pg_id', rule: '스마트로 MID는 영문자·숫자(밑줄 포함) 10자입니다' });
  problems.push(...violations('settings', SmartroSettingsSchema, channel.settings));
  problems.push(...violations('secrets', SmartroSecretsSchema, channel.secrets));
  if (problems.length > 0) return { ok: false, violations: problems };
  const settings = channel.settings as SmartroSettings;
  problems.push(...cardCodeClashes(settings.cardCodes));
  if (problems.length > 0) return { ok: false, violations: problems };
  const secrets = channel.secrets as SmartroSecrets;
  const strip = (url: string) => url.replace(/\/+$/, '');
  return {
    ok: true,
    credentials: {
      mid: channel.pgId,
      merchantKey: secrets.merchantKey,
      cancelPassword: secrets.cancelPassword,
      ...(secrets.escrowApiKey !== undefined ? { escrowApiKey: secrets.escrowApiKey } : {}),
      ...(settings.sspMallId !== undefined ? { sspMallId: settings.sspMallId } : {}),
      jsBaseUrl: strip(settings.jsBaseUrl),
      mobileJsBaseUrl: strip(settings.mobileJsBaseUrl ?? settings.jsBaseUrl),
      apiBaseUrl: strip(settings.apiBaseUrl),
      receiptBaseUrl: strip(settings.receiptBaseUrl ?? (channel.testMode ? SMARTRO_RECEIPT_HOSTS.test : SMARTRO_RECEIPT_HOSTS.real)),
      testMode: channel.testMode,
      ...(settings.cardCodes && Object.keys(settings.cardCodes).length > 0 ? { cardCodes: { ...settings.cardCodes } } : {}),
    },
  };
}

/** A corrected Smartro code that another company of the table also has: answers could not be told apart. */
function cardCodeClashes(cardCodes: Record<string, string> | undefined): FieldViolation[] {
  if (!cardCodes) return [];
  const table = withSmartroCardCodes(cardCodes);
  const out: FieldViolation[] = [];
  for (const code of Object.keys(cardCodes)) {
    const own = table.find((c) => c.kftcCode === code);
    const other = table.find((c) => c.kftcCode !== code && c.smartroCode === own?.smartroCode);
    if (other) out.push({ field: `settings.cardCodes.${code}`, rule: `다른 카드사(${other.kftcCode} ${other.name})와 같은 스마트로 코드입니다` });
  }
  return out;
}

/**
 * Why a channel cannot issue or charge billing keys, or null: Smartro needs the ssp Mall ID for
 * recurring billing (PortOne's Smartro channel setting).
 */
export function billingSettingsProblem(credentials: Pick<SmartroCredentials, 'sspMallId'>): FieldViolation | null {
  if (credentials.sspMallId !== undefined && credentials.sspMallId !== '') return null;
  return { field: 'settings.sspMallId', rule: '스마트로 정기결제(빌링키)에는 채널 설정의 ssp Mall ID(sspMallId)가 필요합니다' };
}
