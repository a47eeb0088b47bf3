import type { FastifyInstance } from 'fastify';
import type { V1Context } from './context';
import { installV1ErrorHandling } from '../../http/envelope';
import { parseFormBody } from '../../http/form-body';
import { v1NotFound } from './not-found';
import { tagV1Routes } from './openapi';
import { registerV1CodesStandardCodes } from './routes/codes_standardCodes';
import { registerGyeolApprovals } from './routes/gyeol_approvals';
import { registerGyeolWebhooks } from './routes/gyeol_webhooks';
import { registerV1PaymentsBalance } from './routes/payments_balance';
import { registerV1PaymentsCancelPayment } from './routes/payments_cancelPayment';
import { registerV1PaymentsFindAllPayments } from './routes/payments_findAllPayments';
import { registerV1PaymentsFindPayment } from './routes/payments_findPayment';
import { registerV1PaymentsGetPayment } from './routes/payments_getPayment';
import { registerV1PaymentsGetPaymentList } from './routes/payments_getPaymentList';
import { registerV1PaymentsGetPaymentPrepare } from './routes/payments_getPaymentPrepare';
import { registerV1PaymentsGetPaymentsByStatus } from './routes/payments_getPaymentsByStatus';
import { registerV1PaymentsPreparePayment } from './routes/payments_preparePayment';
import { registerV1ReceiptsGetReceipt } from './routes/receipts_getReceipt';
import { registerV1ReceiptsIssueReceipt } from './routes/receipts_issueReceipt';
import { registerV1ReceiptsRevokeReceipt } from './routes/receipts_revokeReceipt';
import { registerV1ReceiptsGetExternalReceipt } from './routes/receipts_getExternalReceipt';
import { registerV1ReceiptsIssueExternalReceipt } from './routes/receipts_issueExternalReceipt';
import { registerV1ReceiptsRevokeExternalReceipt } from './routes/receipts_revokeExternalReceipt';
import { registerV1UsersGetPgSettings } from './routes/users_getPgSettings';
import { registerV1UsersGetToken } from './routes/users_getToken';
import { registerV1SubscribeCustomers } from './routes/subscribe_customerView';
import { registerV1SubscribeAgain } from './routes/subscribe_again';
import { registerV1SubscribeCustomerPayments } from './routes/subscribe_customer_payments';
import { registerV1SubscribeFindSchedulesByCustomer } from './routes/subscribe_findSchedulesByCustomer';
import { registerV1SubscribeFindSchedulesByRange } from './routes/subscribe_findSchedulesByRange';
import { registerV1SubscribeGetScheduleByMid } from './routes/subscribe_getScheduleByMid';
import { registerV1SubscribeRescheduleByMid } from './routes/subscribe_rescheduleByMid';
import { registerV1SubscribeRetryScheduleByMid } from './routes/subscribe_retryScheduleByMid';
import { registerV1SubscribeSchedule } from './routes/subscribe_schedule';
import { registerV1SubscribeUnschedule } from './routes/subscribe_unschedule';
import { registerV1SubscribeUpdateScheduleByMid } from './routes/subscribe_updateScheduleByMid';
import { registerV1VbanksRevokeVbank } from './routes/vbanks_revokeVbank';
import { registerV1EscrowsEscrowLogisEdit } from './routes/escrows_escrow_logis_edit';
import { registerV1EscrowsEscrowLogisGet } from './routes/escrows_escrow_logis_get';
import { registerV1EscrowsEscrowLogisSave } from './routes/escrows_escrow_logis_save';
import { registerV1VbanksCreateVbank } from './routes/vbanks_createVbank';
import { registerV1VbanksModifyVbank } from './routes/vbanks_modifyVbank';
import { registerV1VbanksQueryBankHolder } from './routes/vbanks_queryBankHolder';

/** The V1 REST API: JSON and form bodies, the envelope on every answer, one route per file. */
export async function registerV1Api(app: FastifyInstance, ctx: V1Context): Promise<void> {
  await app.register(async (api) => {
    installV1ErrorHandling(api, v1NotFound(api));
    // Routes declare their answers' shapes for the OpenAPI document (responses.ts); answers are
    // written as plain JSON, never reshaped by a schema (a field the schema forgot is not dropped).
    api.setSerializerCompiler(() => (data) => JSON.stringify(data));
    tagV1Routes(api);
    api.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => {
      done(null, parseFormBody(body as string));
    });
    registerV1UsersGetToken(api, ctx);
    registerV1UsersGetPgSettings(api, ctx);
    registerV1PaymentsGetPayment(api, ctx);
    registerV1PaymentsFindPayment(api, ctx);
    registerV1PaymentsFindAllPayments(api, ctx);
    registerV1PaymentsGetPaymentList(api, ctx);
    registerV1PaymentsGetPaymentsByStatus(api, ctx);
    registerV1PaymentsBalance(api, ctx);
    registerV1PaymentsPreparePayment(api, ctx);
    registerV1PaymentsGetPaymentPrepare(api, ctx);
    registerV1PaymentsCancelPayment(api, ctx);
    registerV1VbanksRevokeVbank(api, ctx);
    registerV1SubscribeCustomers(api, ctx);
    registerV1SubscribeAgain(api, ctx);
    registerV1SubscribeCustomerPayments(api, ctx);
    registerV1SubscribeSchedule(api, ctx);
    registerV1SubscribeUnschedule(api, ctx);
    registerV1SubscribeFindSchedulesByRange(api, ctx);
    registerV1SubscribeGetScheduleByMid(api, ctx);
    registerV1SubscribeUpdateScheduleByMid(api, ctx);
    registerV1SubscribeRescheduleByMid(api, ctx);
    registerV1SubscribeRetryScheduleByMid(api, ctx);
    registerV1SubscribeFindSchedulesByCustomer(api, ctx);
    registerV1CodesStandardCodes(api, ctx);
    registerV1ReceiptsGetReceipt(api, ctx);
    registerV1ReceiptsIssueReceipt(api, ctx);
    registerV1ReceiptsRevokeReceipt(api, ctx);
    registerV1ReceiptsGetExternalReceipt(api, ctx);
    registerV1ReceiptsIssueExternalReceipt(api, ctx);
    registerV1ReceiptsRevokeExternalReceipt(api, ctx);
    registerV1VbanksCreateVbank(api, ctx);
    registerV1VbanksModifyVbank(api, ctx);
    registerV1VbanksQueryBankHolder(api, ctx);
    registerV1EscrowsEscrowLogisGet(api, ctx);
    registerV1EscrowsEscrowLogisSave(api, ctx);
    registerV1EscrowsEscrowLogisEdit(api, ctx);
    registerGyeolApprovals(api, ctx);
    registerGyeolWebhooks(api, ctx);
  });
}

export type { V1Context } from './context';
