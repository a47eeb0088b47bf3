import type { Kysely, Selectable } from 'kysely';
import { runCompiled } from './compiled';
import type { StoreDialect } from './dialect';
import type { ChannelsTable, Database } from './schema';
import type { ChannelRecord, ChannelRepository, NewChannel } from './types';
import { fromBool, parseJsonObject, toBool, toDate, toMs } from './rows';

export function channelFromRow(row: Selectable<ChannelsTable>): ChannelRecord {
  return {
    id: Number(row.id),
    storeId: Number(row.store_id),
    channelKey: row.channel_key,
    name: row.name,
    pgProvider: row.pg_provider,
    pgId: row.pg_id,
    testMode: toBool(row.test_mode),
    isDefault: toBool(row.is_default),
    settings: parseJsonObject(row.settings),
    secretsEnc: row.secrets_enc,
    createdAt: toDate(row.created_at),
  };
}

export class KyselyChannelRepository implements ChannelRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  async insert(channel: NewChannel): Promise<ChannelRecord> {
    const row = await this.db
      .insertInto('channels')
      .values({
        store_id: channel.storeId,
        channel_key: channel.channelKey,
        name: channel.name,
        pg_provider: channel.pgProvider,
        pg_id: channel.pgId,
        test_mode: fromBool(channel.testMode),
        is_default: fromBool(channel.isDefault),
        settings: JSON.stringify(channel.settings ?? {}),
        secrets_enc: channel.secretsEnc,
        created_at: toMs(channel.createdAt),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return channelFromRow(row);
  }

  async findById(storeId: number, id: number): Promise<ChannelRecord | null> {
    const build = () => this.db.selectFrom('channels').selectAll().where('store_id', '=', storeId).where('id', '=', id);
    const {
      rows: [row],
    } = await runCompiled(this.db, this.dialect, 'channels.findById', build, [storeId, id]);
    return row ? channelFromRow(row) : null;
  }

  async findByChannelKey(storeId: number, channelKey: string): Promise<ChannelRecord | null> {
    const row = await this.db
      .selectFrom('channels')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('channel_key', '=', channelKey)
      .executeTakeFirst();
    return row ? channelFromRow(row) : null;
  }

  async findByPg(storeId: number, pgProvider: string, pgId?: string): Promise<ChannelRecord[]> {
    let query = this.db
      .selectFrom('channels')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('pg_provider', '=', pgProvider);
    if (pgId !== undefined) query = query.where('pg_id', '=', pgId);
    const rows = await query.orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    return rows.map(channelFromRow);
  }

  /**
   * Every store's channels of one PG merchant id: a PG notification names its merchant id, not a
   * gyeol store.
   */
  async findAllByPgId(pgProvider: string, pgId: string): Promise<ChannelRecord[]> {
    const rows = await this.db
      .selectFrom('channels')
      .selectAll()
      .where('pg_provider', '=', pgProvider)
      .where('pg_id', '=', pgId)
      .orderBy('id', 'asc')
      .execute();
    return rows.map(channelFromRow);
  }

  async findDefault(storeId: number): Promise<ChannelRecord | null> {
    const row = await this.db
      .selectFrom('channels')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('is_default', '=', 1)
      .orderBy('id', 'asc')
      .executeTakeFirst();
    return row ? channelFromRow(row) : null;
  }

  async listByStore(storeId: number): Promise<ChannelRecord[]> {
    const rows = await this.db.selectFrom('channels').selectAll().where('store_id', '=', storeId).orderBy('id', 'asc').execute();
    return rows.map(channelFromRow);
  }

  async updateSettings(storeId: number, id: number, settings: Record<string, unknown>): Promise<ChannelRecord | null> {
    const row = await this.db
      .updateTable('channels')
      .set({ settings: JSON.stringify(settings) })
      .where('store_id', '=', storeId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? channelFromRow(row) : null;
  }
}
