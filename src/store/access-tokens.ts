import type { Kysely, Selectable } from 'kysely';
import type { AccessTokensTable, Database } from './schema';
import type { AccessTokenRecord, AccessTokenRepository } from './types';
import { toDate, toMs } from './rows';

export function accessTokenFromRow(row: Selectable<AccessTokensTable>): AccessTokenRecord {
  return {
    tokenHash: row.token_hash,
    storeId: Number(row.store_id),
    tokenEnc: row.token_enc,
    issuedAt: toDate(row.issued_at),
    expiresAt: toDate(row.expires_at),
  };
}

export class KyselyAccessTokenRepository implements AccessTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(token: AccessTokenRecord): Promise<void> {
    await this.db
      .insertInto('access_tokens')
      .values({
        token_hash: token.tokenHash,
        store_id: token.storeId,
        token_enc: token.tokenEnc,
        issued_at: toMs(token.issuedAt),
        expires_at: toMs(token.expiresAt),
      })
      .execute();
  }

  async findByHash(tokenHash: string): Promise<AccessTokenRecord | null> {
    const row = await this.db.selectFrom('access_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? accessTokenFromRow(row) : null;
  }

  async findLatestValid(storeId: number, now: Date): Promise<AccessTokenRecord | null> {
    const row = await this.db
      .selectFrom('access_tokens')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('expires_at', '>', toMs(now))
      .orderBy('expires_at', 'desc')
      .orderBy('issued_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? accessTokenFromRow(row) : null;
  }

  async extend(tokenHash: string, expiresAt: Date): Promise<void> {
    const ms = toMs(expiresAt);
    await this.db
      .updateTable('access_tokens')
      .set({ expires_at: ms })
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '<', ms)
      .execute();
  }

  /** Removes a token: every instance refuses it within a second (services/auth.ts TOKEN_CACHE_MS). */
  async revoke(tokenHash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('access_tokens').where('token_hash', '=', tokenHash).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
