import type { Kysely, Selectable } from 'kysely';
import type { Database, StoresTable } from './schema';
import type { NewStore, StoreRecord, StoreRepository } from './types';
import { toDate, toMs } from './rows';

export function storeFromRow(row: Selectable<StoresTable>): StoreRecord {
  return {
    id: Number(row.id),
    impCode: row.imp_code,
    name: row.name,
    apiKey: row.api_key,
    apiSecretHash: row.api_secret_hash,
    createdAt: toDate(row.created_at),
  };
}

export class KyselyStoreRepository implements StoreRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(store: NewStore): Promise<StoreRecord> {
    const row = await this.db
      .insertInto('stores')
      .values({
        imp_code: store.impCode,
        name: store.name,
        api_key: store.apiKey,
        api_secret_hash: store.apiSecretHash,
        created_at: toMs(store.createdAt),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return storeFromRow(row);
  }

  async findById(id: number): Promise<StoreRecord | null> {
    const row = await this.db.selectFrom('stores').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? storeFromRow(row) : null;
  }

  async findByImpCode(impCode: string): Promise<StoreRecord | null> {
    const row = await this.db.selectFrom('stores').selectAll().where('imp_code', '=', impCode).executeTakeFirst();
    return row ? storeFromRow(row) : null;
  }

  async findByApiKey(apiKey: string): Promise<StoreRecord | null> {
    const row = await this.db.selectFrom('stores').selectAll().where('api_key', '=', apiKey).executeTakeFirst();
    return row ? storeFromRow(row) : null;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('stores')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
