import { expect, it, vi } from 'vitest';
import { forEachDatabase } from '../../test/support/databases';
import { ManualClock } from '../domain/clock';
import { AppError } from '../domain/errors';
import { seedStore } from '../store/test-fixtures';
import { AuthService, TOKEN_CACHE_MS, TOKEN_LIFETIME_MS } from './auth';
import type { ServiceDeps } from './deps';
import { tokenHash } from './secrets';

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

forEachDatabase((_db, getStore) => {
  async function setup() {
    const store = getStore();
    const { store: merchant } = await seedStore(store);
    const clock = new ManualClock();
    const auth = new AuthService({ store, clock } as unknown as ServiceDeps);
    const token = 'a'.repeat(40);
    await store.accessTokens.insert({ tokenHash: tokenHash(token), storeId: merchant.id, tokenEnc: 'sealed', issuedAt: clock.now(), expiresAt: new Date(clock.now().getTime() + TOKEN_LIFETIME_MS) });
    const reads = vi.spyOn(store.accessTokens, 'findByHash');
    return { store, merchant, clock, auth, token, reads };
  }

  it('reads a token once a second at most, and answers its store from memory in between', async () => {
    const { merchant, clock, auth, token, reads } = await setup();
    expect(await auth.authenticate(token)).toBe(merchant.id);
    clock.advance(TOKEN_CACHE_MS - 1);
    expect(await auth.authenticate(token)).toBe(merchant.id);
    expect(reads).toHaveBeenCalledTimes(1);
    clock.advance(1);
    expect(await auth.authenticate(token)).toBe(merchant.id);
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('refuses an expired token at once, even one read a moment before', async () => {
    const { clock, auth, token } = await setup();
    clock.advance(TOKEN_LIFETIME_MS - 500);
    await auth.authenticate(token);
    clock.advance(500);
    expect(await refusal(auth.authenticate(token))).toBe('TOKEN_EXPIRED');
  });

  it('takes an extension into account: a remembered expiry that passed is read again', async () => {
    const { store, merchant, clock, auth, token } = await setup();
    clock.advance(TOKEN_LIFETIME_MS - 500);
    await auth.authenticate(token);
    await store.accessTokens.extend(tokenHash(token), new Date(clock.now().getTime() + 5 * 60_000));
    clock.advance(500);
    expect(await auth.authenticate(token)).toBe(merchant.id);
  });

  it('refuses a token gone from the database within a second', async () => {
    const { store, clock, auth, token } = await setup();
    await auth.authenticate(token);
    // No API revokes a token yet (the console will): another instance's revocation, straight in the store.
    expect(await store.accessTokens.revoke(tokenHash(token))).toBe(true);
    clock.advance(TOKEN_CACHE_MS - 1);
    expect(await auth.authenticate(token)).toBeGreaterThan(0);
    clock.advance(1);
    expect(await refusal(auth.authenticate(token))).toBe('UNAUTHORIZED');
    expect(await refusal(auth.authenticate('b'.repeat(40)))).toBe('UNAUTHORIZED');
  });
});
