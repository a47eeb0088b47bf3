import { AppError } from '../domain/errors';
import { newAccessToken } from '../domain/ids';
import type { ServiceDeps } from './deps';
import { tokenHash, verifyApiSecret } from './secrets';

export const TOKEN_LIFETIME_MS = 30 * 60 * 1000;
/** A token asked for again with less than this left is extended … */
export const TOKEN_EXTEND_THRESHOLD_MS = 60 * 1000;
/** … by this much. */
export const TOKEN_EXTENSION_MS = 5 * 60 * 1000;

/**
 * How long an instance trusts what it read about a token (issue 10: the lookup spent one of its
 * two queries on the token). A token removed from the database is refused by every instance
 * within this time; an expired one is refused at once (the expiry is checked on every request).
 */
export const TOKEN_CACHE_MS = 1_000;
/** At most this many tokens are remembered; past it the memory starts over. */
const TOKEN_CACHE_SIZE = 10_000;

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
  /** Token hash → its store and expiry as read at `readAt` (ms). */
  private readonly tokens = new Map<string, { storeId: number; expiresAt: number; readAt: number }>();

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
    const hash = tokenHash(token);
    const now = this.deps.clock.now().getTime();
    const known = this.tokens.get(hash);
    // Trusted for a second, and only while unexpired: an expiry (or an extension) is read again.
    if (known && now - known.readAt < TOKEN_CACHE_MS && now < known.expiresAt) return known.storeId;
    const record = await this.deps.store.accessTokens.findByHash(hash);
    if (!record) {
      this.tokens.delete(hash);
      throw new AppError('UNAUTHORIZED', { message: '유효하지 않은 access_token입니다. (Unauthorized)' });
    }
    if (record.expiresAt.getTime() <= now) {
      this.tokens.delete(hash);
      throw new AppError('TOKEN_EXPIRED');
    }
    if (this.tokens.size >= TOKEN_CACHE_SIZE) this.tokens.clear();
    this.tokens.set(hash, { storeId: record.storeId, expiresAt: record.expiresAt.getTime(), readAt: now });
    return record.storeId;
  }
}
