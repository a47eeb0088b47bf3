import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireStore, type V1Context } from '../context';
import { answers, Envelope, V1PaymentSchema } from '../responses';

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });
const Body = Type.Object({ amount: Type.Optional(Type.Number()), vbank_due: Type.Optional(Type.Integer()) });

type Route = { Params: Static<typeof Params>; Body: Static<typeof Body> };

/**
 * PUT /vbanks/{imp_uid} (modifyVbank) — V1 changes an issued account's amount or deadline for
 * settle only. After V1's checks (404; 400 when not a virtual account or not `ready`) gyeol
 * answers 501: Smartro (smartro_v2) has no API to change an issued account.
 */
export function registerV1VbanksModifyVbank(app: FastifyInstance, ctx: V1Context): void {
  app.put<Route>('/vbanks/:imp_uid', { schema: { params: Params, body: Body, response: answers(V1PaymentSchema, { 501: Envelope(Type.Null()) }) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ctx.services.vbanks.modify(storeId, request.params.imp_uid, { amount: request.body?.amount, vbankDue: request.body?.vbank_due });
  });
}
