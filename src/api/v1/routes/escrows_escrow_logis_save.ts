import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DeliveryParty, EscrowDelivery } from '../../../domain/escrow';
import { ok } from '../../../http/envelope';
import { v1Seconds } from '../../../http/presenters';
import type { DeliveryCommand } from '../../../services/escrows';
import { requireStore, type V1Context } from '../context';
import { answers, V1EscrowLogisSchema } from '../responses';

const Text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

/** V1 `sender` / `receiver` (EscrowLogisSenderAnnotation / ReceiverAnnotation). */
const Party = Type.Object({
  name: Text(100),
  tel: Text(40),
  addr: Text(300),
  postcode: Text(10),
  relationship: Text(40),
  formed_address: Type.Optional(Type.Object({ address_line_1: Text(200), address_line_2: Text(200) })),
});

/** The body of escrow_logis_save (POST) and escrow_logis_edit (PUT): JSON, or a form with `a[b]` keys. */
export const EscrowLogisParams = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });
export const EscrowLogisBody = Type.Object({
  sender: Party,
  receiver: Party,
  logis: Type.Object({
    company: Type.String({ minLength: 1, maxLength: 40 }),
    invoice: Type.String({ minLength: 1, maxLength: 40 }),
    sent_at: Type.Integer({ minimum: 1, maximum: 253_402_300_799 }),
    receiving_at: Text(20),
    address: Text(300),
  }),
  products: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 100 })),
  send_email: Type.Optional(Type.Boolean()),
});

export type EscrowLogisRoute = { Params: Static<typeof EscrowLogisParams>; Body: Static<typeof EscrowLogisBody> };

function party(p: Static<typeof Party>): DeliveryParty {
  const text = (v: string | undefined) => (v === undefined || v === '' ? null : v);
  return {
    name: text(p.name),
    tel: text(p.tel),
    postcode: text(p.postcode),
    addressLine1: text(p.formed_address?.address_line_1),
    addressLine2: text(p.formed_address?.address_line_2),
    addr: text(p.addr),
    relationship: text(p.relationship),
  };
}

export function deliveryCommand(body: EscrowLogisRoute['Body']): DeliveryCommand {
  return {
    sender: party(body.sender),
    receiver: party(body.receiver),
    company: body.logis.company,
    invoice: body.logis.invoice,
    sentAt: body.logis.sent_at,
    receivingAt: body.logis.receiving_at ?? null,
    address: body.logis.address ?? null,
    products: body.products ?? null,
  };
}

/** V1's EscrowLogisAnnotation. */
export function toV1EscrowLogis(delivery: EscrowDelivery) {
  return { company: delivery.company, invoice: delivery.invoice, sent_at: v1Seconds(delivery.sentAt), applied_at: v1Seconds(delivery.appliedAt) };
}

/**
 * POST /escrows/logis/{imp_uid} (escrow_logis_save) — registers a paid escrow payment's delivery
 * with the PG, once (409 when registered already).
 */
export function registerV1EscrowsEscrowLogisSave(app: FastifyInstance, ctx: V1Context): void {
  app.post<EscrowLogisRoute>('/escrows/logis/:imp_uid', { schema: { params: EscrowLogisParams, body: EscrowLogisBody, response: answers(V1EscrowLogisSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1EscrowLogis(await ctx.services.escrows.save(storeId, request.params.imp_uid, 'register', deliveryCommand(request.body))));
  });
}
