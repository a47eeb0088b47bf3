import type { PgConnector } from '../connectors/contract';
import { AppError, invalidParameter } from '../domain/errors';
import type { ChannelRecord, StoreRecord } from '../store/types';
import type { ServiceDeps } from './deps';

/** A channel with its connector and the connector's credentials, ready for PG calls. */
export interface ResolvedChannel<C = unknown> {
  channel: ChannelRecord;
  connector: PgConnector<C>;
  credentials: C;
}

/** How request_pay named its channel. */
export interface ChannelChoice {
  channelKey?: unknown;
  /** Deprecated V1 `pg`: "{pg_provider}" or "{pg_provider}.{PG merchant id}". */
  pg?: unknown;
}

/** A refusal about the channel choice, naming the field. */
export class ChannelRefusal extends AppError {}

/** How many channels' opened credentials {@link ChannelService.open} keeps (least recently used dropped first). */
export const OPENED_CHANNELS_KEPT = 256;

/**
 * Channels as the services use them: which one a request means, and its connector with
 * credentials (secrets opened here, never stored open in the database).
 */
export class ChannelService {
  /**
   * Credentials already opened and read, by channel id, with the stored values they were read
   * from: opening them is an AES-GCM decryption and a schema check of the settings, done on
   * every PG call before (issue 10's profile of a billing charge). A channel whose stored
   * settings, secrets, PG id, test mode or provider differ from what was read is read again, so a
   * changed channel is never answered from here. The kept credentials are frozen: every caller
   * shares them.
   */
  private readonly opened = new Map<number, { fingerprint: string; connector: PgConnector; credentials: unknown }>();

  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'secretBox' | 'connectors'>) {}

  /** channelKey, else the deprecated `pg` ("{pg_provider}" or "{pg_provider}.{MID}"), else the store's default channel. */
  async resolve(merchant: StoreRecord, choice: ChannelChoice): Promise<ChannelRecord> {
    const { channels } = this.deps.store;
    if (choice.channelKey !== undefined && choice.channelKey !== null && choice.channelKey !== '') {
      if (typeof choice.channelKey !== 'string') throw invalidParameter([{ field: 'channelKey', rule: '문자열이어야 합니다' }]);
      const channel = await channels.findByChannelKey(merchant.id, choice.channelKey);
      if (!channel) throw new AppError('CHANNEL_NOT_FOUND', { field: 'channelKey', message: 'channelKey: 해당 채널 키로 등록된 채널이 없습니다' });
      return channel;
    }
    if (choice.pg !== undefined && choice.pg !== null && choice.pg !== '') {
      if (typeof choice.pg !== 'string') throw invalidParameter([{ field: 'pg', rule: '문자열이어야 합니다' }]);
      const dot = choice.pg.indexOf('.');
      const provider = dot === -1 ? choice.pg : choice.pg.slice(0, dot);
      const pgId = dot === -1 ? undefined : choice.pg.slice(dot + 1);
      if (!this.deps.connectors.has(provider)) {
        throw new AppError('UNSUPPORTED_PG', { field: 'pg', message: `pg: 지원하지 않는 PG사입니다 (${provider})` });
      }
      const [channel] = await channels.findByPg(merchant.id, provider, pgId);
      if (!channel) throw new AppError('CHANNEL_NOT_FOUND', { field: 'pg', message: `pg: ${choice.pg}에 해당하는 채널이 없습니다` });
      return channel;
    }
    const channel = await channels.findDefault(merchant.id);
    if (!channel) throw new AppError('CHANNEL_NOT_FOUND', { field: 'channelKey', message: 'channelKey: 기본 채널이 없으니 channelKey를 지정해 주세요' });
    return channel;
  }

  /** The store's channels, oldest first (`GET /users/pg`). */
  async list(storeId: number): Promise<ChannelRecord[]> {
    return this.deps.store.channels.listByStore(storeId);
  }

  connectorOf(channel: ChannelRecord): PgConnector {
    const connector = this.deps.connectors.get(channel.pgProvider);
    if (!connector) throw new AppError('UNSUPPORTED_PG', { field: 'pg' });
    return connector;
  }

  /**
   * The channel's connector and credentials.
   * @throws Error when the stored channel no longer fits its connector's schema (an operator
   *   problem, not the buyer's: channels are checked when saved)
   */
  open(channel: ChannelRecord): ResolvedChannel {
    // Everything the credentials are read from (secretsEnc changes with every new sealing).
    const fingerprint = `${channel.pgProvider}\u0000${channel.pgId}\u0000${channel.testMode}\u0000${channel.secretsEnc}\u0000${JSON.stringify(channel.settings)}`;
    const kept = this.opened.get(channel.id);
    if (kept?.fingerprint === fingerprint && this.deps.connectors.get(channel.pgProvider) === kept.connector) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.opened.delete(channel.id);
      this.opened.set(channel.id, kept);
      return { channel, connector: kept.connector, credentials: kept.credentials };
    }
    const connector = this.connectorOf(channel);
    const read = connector.readCredentials({
      pgId: channel.pgId,
      testMode: channel.testMode,
      settings: channel.settings,
      secrets: JSON.parse(this.deps.secretBox.open(channel.secretsEnc)) as unknown,
    });
    if (!read.ok) {
      this.opened.delete(channel.id);
      throw new Error(`channel ${channel.channelKey} does not fit ${channel.pgProvider}: ${read.violations.map((v) => `${v.field} ${v.rule}`).join('; ')}`);
    }
    const credentials = deepFreeze(read.credentials);
    this.opened.delete(channel.id);
    this.opened.set(channel.id, { fingerprint, connector, credentials });
    if (this.opened.size > OPENED_CHANNELS_KEPT) this.opened.delete(this.opened.keys().next().value as number);
    return { channel, connector, credentials };
  }

  async openById(storeId: number, channelId: number): Promise<ResolvedChannel> {
    const channel = await this.deps.store.channels.findById(storeId, channelId);
    if (!channel) throw new Error(`channel ${channelId} of store ${storeId} is missing`);
    return this.open(channel);
  }
}

/** Freezes a value and every object and array inside it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
