import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services';
import { accessTokenOf } from './auth';

/** What V1 routes are given: the services and the API's own settings. */
export interface V1Context {
  services: Services;
  /**
   * V1 hides test-channel payments from lookups unless `include_sandbox=true` (since 2026-01-26).
   * Merchant code written before then never sends it, so gyeol includes them by default;
   * `GYEOL_HIDE_SANDBOX_BY_DEFAULT=true` restores V1's current behaviour.
   */
  hideSandboxByDefault: boolean;
}

/** Authenticates the request's access token; the store id scopes everything the route reads. */
export async function requireStore(ctx: V1Context, request: FastifyRequest): Promise<number> {
  return ctx.services.auth.authenticate(accessTokenOf(request));
}

export function includeSandbox(ctx: V1Context, queryValue: boolean | undefined): boolean {
  return queryValue ?? !ctx.hideSandboxByDefault;
}
