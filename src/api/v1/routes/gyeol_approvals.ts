import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Payment } from '../../../domain/payment';
import type { StrayApproval } from '../../../services/approvals';
import { requireStore, type V1Context } from '../context';
import { ok } from '../../../http/envelope';
import { toV1Payment, v1Seconds } from '../../../http/presenters';

/**
 * gyeol's own operator routes (not V1): payments whose PG outcome is open, asking the PG about
 * one now, and approvals that reached gyeol through another order's window. The store's access
 * token from /users/getToken authorizes them, as for V1 routes. See docs/operations.md.
 */

const seconds = v1Seconds;

/** A V1 payment plus where its approval stands. */
export function toGyeolApproval(payment: Payment) {
  return {
    ...toV1Payment(payment),
    approval_state: payment.approvalState,
    approval_unverified: payment.approvalUnverified,
    approval_requested_at: seconds(payment.approvalRequestedAt),
    reconcile_after: seconds(payment.reconcileAfter),
    reconcile_attempts: payment.reconcileAttempts,
    // Sent to the PG with the approval; V1's payment object has no field for them.
    tax_free: payment.taxFree,
    vat_amount: payment.vatAmount,
  };
}

function toGyeolStray(stray: StrayApproval) {
  return {
    pg_provider: stray.pgProvider,
    pg_tid: stray.pgTid,
    pg_id: stray.pgId,
    merchant_uid: stray.merchantUid,
    amount: stray.amount,
    approved_at: seconds(stray.approvedAt),
    state: stray.state,
    created_at: seconds(stray.createdAt),
  };
}

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });

/** GET /gyeol/payments/in-approval, POST /gyeol/payments/{imp_uid}/inquiry, GET /gyeol/stray-approvals. */
export function registerGyeolApprovals(app: FastifyInstance, ctx: V1Context): void {
  app.get('/gyeol/payments/in-approval', async (request) => {
    const storeId = await requireStore(ctx, request);
    const payments = await ctx.services.approvals.listInApproval(storeId);
    return ok(payments.map(toGyeolApproval));
  });

  app.post<{ Params: Static<typeof Params> }>('/gyeol/payments/:imp_uid/inquiry', { schema: { params: Params } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const payment = await ctx.services.approvals.inquireNow(storeId, request.params.imp_uid);
    return ok(toGyeolApproval(payment));
  });

  app.get('/gyeol/stray-approvals', async (request) => {
    const storeId = await requireStore(ctx, request);
    const strays = await ctx.services.approvals.listStrayApprovals(storeId);
    return ok(strays.map(toGyeolStray));
  });
}
