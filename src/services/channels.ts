import type { ChannelCredentials } from '../connectors/contract';
import type { ChannelRecord } from '../store/types';
import type { ServiceDeps } from './deps';

/** Non-secret channel settings as stored (channels.settings). */
export interface SmartroChannelSettings {
  /** true: the PG hosts are the built-in simulator, wherever it listens now. */
  useBuiltinSimulator?: boolean;
  jsBaseUrl?: string;
  mobileJsBaseUrl?: string;
  apiBaseUrl?: string;
}

/** Secret channel settings (channels.secrets_enc, sealed). */
export interface SmartroChannelSecrets {
  merchantKey: string;
  cancelPassword: string;
}

/** Opens a channel's sealed secrets and resolves its hosts into connector credentials. */
export function channelCredentials(deps: Pick<ServiceDeps, 'secretBox' | 'simulatorUrl'>, channel: ChannelRecord): ChannelCredentials {
  const settings = channel.settings as SmartroChannelSettings;
  const secrets = JSON.parse(deps.secretBox.open(channel.secretsEnc)) as SmartroChannelSecrets;
  const builtin = settings.useBuiltinSimulator === true;
  const jsBaseUrl = builtin ? deps.simulatorUrl : String(settings.jsBaseUrl ?? '');
  return {
    mid: channel.pgId,
    merchantKey: secrets.merchantKey,
    cancelPassword: secrets.cancelPassword,
    jsBaseUrl,
    mobileJsBaseUrl: builtin ? deps.simulatorUrl : settings.mobileJsBaseUrl ?? jsBaseUrl,
    apiBaseUrl: builtin ? deps.simulatorUrl : String(settings.apiBaseUrl ?? ''),
    testMode: channel.testMode,
  };
}
