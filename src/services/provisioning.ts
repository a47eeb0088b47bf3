import { newApiKey, newApiSecret, newChannelKey, newStoreCode } from '../domain/ids';
import type { ChannelRecord, StoreRecord } from '../store/types';
import type { SmartroChannelSecrets, SmartroChannelSettings } from './channels';
import type { ServiceDeps } from './deps';
import { hashApiSecret } from './secrets';

export interface NewStoreInput {
  name: string;
  impCode?: string;
  apiKey?: string;
  apiSecret?: string;
}

export interface NewSmartroChannelInput {
  storeId: number;
  name: string;
  channelKey?: string;
  mid: string;
  merchantKey: string;
  cancelPassword: string;
  testMode: boolean;
  isDefault: boolean;
  settings: SmartroChannelSettings;
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

  async createSmartroChannel(input: NewSmartroChannelInput): Promise<ChannelRecord> {
    const secrets: SmartroChannelSecrets = { merchantKey: input.merchantKey, cancelPassword: input.cancelPassword };
    return this.deps.store.channels.insert({
      storeId: input.storeId,
      channelKey: input.channelKey ?? newChannelKey(),
      name: input.name,
      pgProvider: 'smartro_v2',
      pgId: input.mid,
      testMode: input.testMode,
      isDefault: input.isDefault,
      settings: { ...input.settings },
      secretsEnc: this.deps.secretBox.seal(JSON.stringify(secrets)),
      createdAt: this.deps.clock.now(),
    });
  }
}
