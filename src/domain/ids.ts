import { randomBytes, randomInt, randomUUID } from 'node:crypto';

function digits(count: number): string {
  let out = '';
  while (out.length < count) out += randomInt(0, 1_000_000_000).toString().padStart(9, '0');
  return out.slice(0, count);
}

/** `imp_` + 12 digits, as V1 examples show. */
export function newImpUid(): string {
  return `imp_${digits(12)}`;
}

export const IMP_UID_PATTERN = /^imp_\d{12}$/;

/** Store identification code (가맹점 식별코드): `imp` + 8 digits. */
export function newStoreCode(): string {
  return `imp${digits(8)}`;
}

export const STORE_CODE_PATTERN = /^imp\d{8}$/;

export function newChannelKey(): string {
  return `channel-key-${randomUUID()}`;
}

/** V1 access tokens are 40 hex characters in the published examples. */
export function newAccessToken(): string {
  return randomBytes(20).toString('hex');
}

export function newApiKey(): string {
  return digits(16);
}

export function newApiSecret(): string {
  return randomBytes(40).toString('base64url').slice(0, 50);
}

/** Opaque id for a checkout session (window); long enough to be unguessable. */
export function newCheckoutSessionId(): string {
  return randomBytes(18).toString('base64url');
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** V1 `cancellation_id`: `cncl_` + 20 letters and digits. */
export function newCancellationId(): string {
  let out = 'cncl_';
  for (let i = 0; i < 20; i++) out += ALNUM[randomInt(0, ALNUM.length)];
  return out;
}
