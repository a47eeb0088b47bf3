import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1PgSetting } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1PgSettingSchema } from '../responses';

/** GET /users/pg — the store's channels as V1 PG settings, oldest first. */
export function registerV1UsersGetPgSettings(app: FastifyInstance, ctx: V1Context): void {
  app.get('/users/pg', { schema: { response: answers(Type.Array(V1PgSettingSchema)) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok((await ctx.services.channels.list(storeId)).map(toV1PgSetting));
  });
}
