import { invalidParameter } from '../domain/errors';
import { newApiKey, newApiSecret, newChannelKey, newStoreCode } from '../domain/ids';
import type { ChannelRecord, StoreRecord } from '../store/types';
import type { ServiceDeps } from './deps';
import { hashApiSecret } from './secrets';

export interface NewStoreInput {
  name: string;
  impCode?: string;
  apiKey?: string;
  apiSecret?: string;
}

export interface NewChannelInput {
  storeId: number;
  name: string;
  /** V1 pg_provider of a registered connector. */
  pgProvider: string;
  /** The PG's merchant id (V1 `pg_id`). */
  pgId: string;
  channelKey?: string;
  testMode: boolean;
  isDefault: boolean;
  /** Non-secret settings, in the connector's schema (e.g. the PG's host base URLs). */
  settings: Record<string, unknown>;
  /** Secret settings, in the connector's schema; sealed before storing. */
  secrets: Record<string, unknown>;
}

/** Creating stores and channels (used by the demo bootstrap now, the console later). */
export class ProvisioningService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Creates a store; the API secret is returned once and only its hash is kept. */
  async createStore(input: NewStoreInput): Promise<{ store: StoreRecord; apiSecret: string }> {
    const apiSecret = input.apiSecret ?? newApiSecret();
    const store = await this.deps.store.stores.insert({
      impCode: input.impCode ?? newStoreCode(),
      name: input.name,
      apiKey: input.apiKey ?? newApiKey(),
      apiSecretHash: hashApiSecret(apiSecret),
      createdAt: this.deps.clock.now(),
    });
    return { store, apiSecret };
  }

  /**
   * Creates a channel after its connector has checked the settings and secrets against its
   * credentials schema.
   * @throws AppError INVALID_PARAMETER naming each field that does not fit
   */
  async createChannel(input: NewChannelInput): Promise<ChannelRecord> {
    const connector = this.deps.connectors.get(input.pgProvider);
    if (!connector) throw invalidParameter([{ field: 'pg_provider', rule: `등록된 PG 연동이 없습니다 (${input.pgProvider})` }]);
    const read = connector.readCredentials({ pgId: input.pgId, testMode: input.testMode, settings: input.settings, secrets: input.secrets });
    if (!read.ok) throw invalidParameter(read.violations);
    return this.deps.store.channels.insert({
      storeId: input.storeId,
      channelKey: input.channelKey ?? newChannelKey(),
      name: input.name,
      pgProvider: input.pgProvider,
      pgId: input.pgId,
      testMode: input.testMode,
      isDefault: input.isDefault,
      settings: { ...input.settings },
      secretsEnc: this.deps.secretBox.seal(JSON.stringify(input.secrets)),
      createdAt: this.deps.clock.now(),
    });
  }
}
