import { describe, expect, it, vi } from 'vitest';
import type { PgConnector } from '../connectors/contract';
import type { ChannelRecord } from '../store/types';
import { ChannelService, OPENED_CHANNELS_KEPT } from './channels';
import type { ServiceDeps } from './deps';
import { SecretBox } from './secrets';

/** A connector whose credentials are what it was given, with the settings' `broken` refused. */
function fakeConnector() {
  const readCredentials = vi.fn((config: { pgId: string; testMode: boolean; settings: unknown; secrets: unknown }) => {
    const settings = config.settings as { host?: string; broken?: boolean; nested?: { a: number[] } };
    if (settings.broken) return { ok: false as const, violations: [{ field: 'settings.broken', rule: 'no' }] };
    return { ok: true as const, credentials: { mid: config.pgId, testMode: config.testMode, host: settings.host, nested: settings.nested, key: (config.secrets as { key: string }).key } };
  });
  return { connector: { id: 'fake_pg', readCredentials } as unknown as PgConnector, readCredentials };
}

function setup() {
  const secretBox = new SecretBox('a-test-instance-secret-of-enough-length');
  const opens = vi.spyOn(secretBox, 'open');
  const { connector, readCredentials } = fakeConnector();
  const channels = new ChannelService({ secretBox, connectors: new Map([['fake_pg', connector]]) } as unknown as Pick<ServiceDeps, 'store' | 'secretBox' | 'connectors'>);
  // Sealed once: every sealing has its own nonce, so a new sealing is a changed channel.
  const secretsEnc = secretBox.seal(JSON.stringify({ key: 'merchant-key-1' }));
  const channel = (overrides: Partial<ChannelRecord> = {}): ChannelRecord => ({
    id: 1,
    storeId: 1,
    channelKey: 'channel-key-1',
    name: 'test',
    pgProvider: 'fake_pg',
    pgId: 'mid0000001',
    testMode: true,
    isDefault: true,
    settings: { host: 'http://pg.example', nested: { a: [1, 2] } },
    secretsEnc,
    createdAt: new Date(0),
    ...overrides,
  });
  return { secretBox, opens, readCredentials, channels, channel };
}

describe('ChannelService.open', () => {
  it('opens a channel’s secrets and reads its credentials once, then answers them from memory, for the channel record given', () => {
    const { opens, readCredentials, channels, channel } = setup();
    const stored = channel();
    const first = channels.open(stored);
    const again = channels.open({ ...stored, name: 'renamed', settings: { host: 'http://pg.example', nested: { a: [1, 2] } } });
    expect(first.credentials).toEqual({ mid: 'mid0000001', testMode: true, host: 'http://pg.example', nested: { a: [1, 2] }, key: 'merchant-key-1' });
    expect(again.credentials).toBe(first.credentials);
    expect(again.channel.name).toBe('renamed');
    expect(opens).toHaveBeenCalledTimes(1);
    expect(readCredentials).toHaveBeenCalledTimes(1);
  });

  it('reads a channel again when anything its credentials come from changed: secrets, settings, PG id, test mode', () => {
    const { secretBox, readCredentials, channels, channel } = setup();
    const stored = channel();
    channels.open(stored);
    const changes: Partial<ChannelRecord>[] = [
      { secretsEnc: secretBox.seal(JSON.stringify({ key: 'merchant-key-2' })) },
      { settings: { host: 'http://other.example', nested: { a: [1, 2] } } },
      { settings: { host: 'http://pg.example', nested: { a: [1, 3] } } },
      { pgId: 'mid0000002' },
      { testMode: false },
    ];
    for (const change of changes) {
      const opened = channels.open({ ...stored, ...change });
      expect(opened.credentials).toMatchObject({
        key: change.secretsEnc ? 'merchant-key-2' : 'merchant-key-1',
        mid: change.pgId ?? 'mid0000001',
        testMode: change.testMode ?? true,
      });
    }
    expect(readCredentials).toHaveBeenCalledTimes(1 + changes.length);
    // …and back to the first values: read again too (only the last reading of a channel is kept).
    expect(channels.open(stored).credentials).toMatchObject({ key: 'merchant-key-1', host: 'http://pg.example' });
    expect(readCredentials).toHaveBeenCalledTimes(2 + changes.length);
  });

  it('keeps channels apart by id', () => {
    const { readCredentials, channels, channel } = setup();
    const a = channels.open(channel({ id: 1 }));
    const b = channels.open(channel({ id: 2, pgId: 'mid0000002' }));
    expect(a.credentials).toMatchObject({ mid: 'mid0000001' });
    expect(b.credentials).toMatchObject({ mid: 'mid0000002' });
    expect(channels.open(channel({ id: 1 })).credentials).toBe(a.credentials);
    expect(readCredentials).toHaveBeenCalledTimes(2);
  });

  it('hands out credentials frozen to the bottom, so no caller can change what the next one gets', () => {
    const { channels, channel } = setup();
    const credentials = channels.open(channel()).credentials as { host: string; nested: { a: number[] } };
    expect(() => {
      credentials.host = 'http://evil.example';
    }).toThrow(TypeError);
    expect(() => credentials.nested.a.push(3)).toThrow(TypeError);
  });

  it('refuses a channel that does not fit its connector every time, remembering nothing of it', () => {
    const { readCredentials, channels, channel } = setup();
    const stored = channel({ settings: { broken: true } });
    expect(() => channels.open(stored)).toThrow('channel channel-key-1 does not fit fake_pg: settings.broken no');
    expect(() => channels.open(stored)).toThrow('does not fit');
    expect(readCredentials).toHaveBeenCalledTimes(2);
  });

  it(`keeps at most ${OPENED_CHANNELS_KEPT} channels, dropping the least recently used`, () => {
    const { readCredentials, channels, channel } = setup();
    for (let id = 1; id <= OPENED_CHANNELS_KEPT; id++) channels.open(channel({ id }));
    channels.open(channel({ id: 1 })); // used again: now the most recent
    channels.open(channel({ id: OPENED_CHANNELS_KEPT + 1 })); // drops channel 2
    expect(readCredentials).toHaveBeenCalledTimes(OPENED_CHANNELS_KEPT + 1);
    channels.open(channel({ id: 1 }));
    expect(readCredentials).toHaveBeenCalledTimes(OPENED_CHANNELS_KEPT + 1);
    channels.open(channel({ id: 2 }));
    expect(readCredentials).toHaveBeenCalledTimes(OPENED_CHANNELS_KEPT + 2);
  });
});
