import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { requireStore, type V1Context } from '../context';
import { EscrowLogisParams, toV1EscrowLogis, type EscrowLogisRoute } from './escrows_escrow_logis_save';
import { answers, V1EscrowLogisSchema } from '../responses';

/**
 * GET /escrows/logis/{imp_uid} (escrow_logis_get) — the registered delivery; 404 for an unknown
 * payment, 409 when none is registered (V1: "등록된 배송정보가 존재하지 않습니다.").
 */
export function registerV1EscrowsEscrowLogisGet(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Params: EscrowLogisRoute['Params'] }>('/escrows/logis/:imp_uid', { schema: { params: EscrowLogisParams, response: answers(V1EscrowLogisSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1EscrowLogis(await ctx.services.escrows.get(storeId, request.params.imp_uid)));
  });
}
