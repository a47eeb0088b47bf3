import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { requireStore, type V1Context } from '../context';
import { deliveryCommand, EscrowLogisBody, EscrowLogisParams, toV1EscrowLogis, type EscrowLogisRoute } from './escrows_escrow_logis_save';
import { answers, V1EscrowLogisSchema } from '../responses';

/**
 * PUT /escrows/logis/{imp_uid} (escrow_logis_edit) — changes a registered delivery (409 when none
 * is registered: V1's "해당거래건은 배송정보를 수정할 수 없는 경우").
 */
export function registerV1EscrowsEscrowLogisEdit(app: FastifyInstance, ctx: V1Context): void {
  app.put<EscrowLogisRoute>('/escrows/logis/:imp_uid', { schema: { params: EscrowLogisParams, body: EscrowLogisBody, response: answers(V1EscrowLogisSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1EscrowLogis(await ctx.services.escrows.save(storeId, request.params.imp_uid, 'modify', deliveryCommand(request.body))));
  });
}
