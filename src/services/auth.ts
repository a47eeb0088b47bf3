import { AppError } from '../domain/errors';
import { newAccessToken } from '../domain/ids';
import type { ServiceDeps } from './deps';
import { tokenHash, verifyApiSecret } from './secrets';

export const TOKEN_LIFETIME_MS = 30 * 60 * 1000;
/** A token asked for again with less than this left is extended … */
export const TOKEN_EXTEND_THRESHOLD_MS = 60 * 1000;
/** … by this much. */
export const TOKEN_EXTENSION_MS = 5 * 60 * 1000;

export interface IssuedToken {
  accessToken: string;
  now: Date;
  expiresAt: Date;
}

/**
 * REST API authentication as V1 does it: `getToken` hands out a 30-minute token and returns the
 * same token while it is valid (many merchant servers race on getToken), extending it by five
 * minutes when less than one minute is left. Tokens live in the database, so any instance
 * verifies them.
 */
export class AuthService {
  constructor(private readonly deps: ServiceDeps) {}

  async issueToken(impKey: string, impSecret: string): Promise<IssuedToken> {
    const { store, clock, secretBox } = this.deps;
    const merchant = await store.stores.findByApiKey(impKey);
    if (!merchant || !verifyApiSecret(impSecret, merchant.apiSecretHash)) {
      throw new AppError('INVALID_API_CREDENTIALS');
    }
    const now = clock.now();
    const current = await store.accessTokens.findLatestValid(merchant.id, now);
    if (current) {
      let expiresAt = current.expiresAt;
      if (expiresAt.getTime() - now.getTime() < TOKEN_EXTEND_THRESHOLD_MS) {
        expiresAt = new Date(expiresAt.getTime() + TOKEN_EXTENSION_MS);
        await store.accessTokens.extend(current.tokenHash, expiresAt);
      }
      return { accessToken: secretBox.open(current.tokenEnc), now, expiresAt };
    }
    const accessToken = newAccessToken();
    const expiresAt = new Date(now.getTime() + TOKEN_LIFETIME_MS);
    await store.accessTokens.insert({
      tokenHash: tokenHash(accessToken),
      storeId: merchant.id,
      tokenEnc: secretBox.seal(accessToken),
      issuedAt: now,
      expiresAt,
    });
    return { accessToken, now, expiresAt };
  }

  /** Returns the store id the token belongs to; 401 errors for missing, unknown or expired tokens. */
  async authenticate(token: string | null): Promise<number> {
    if (!token) throw new AppError('UNAUTHORIZED', { message: 'access_token이 전달되지 않았습니다. (Unauthorized)' });
    const record = await this.deps.store.accessTokens.findByHash(tokenHash(token));
    if (!record) throw new AppError('UNAUTHORIZED', { message: '유효하지 않은 access_token입니다. (Unauthorized)' });
    if (record.expiresAt.getTime() <= this.deps.clock.now().getTime()) throw new AppError('TOKEN_EXPIRED');
    return record.storeId;
  }
}
