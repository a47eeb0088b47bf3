import type { FastifyInstance } from 'fastify';
import type { V1Context } from './context';
import { installV1ErrorHandling } from '../../http/envelope';
import { parseFormBody } from '../../http/form-body';
import { registerGyeolApprovals } from './routes/gyeol_approvals';
import { registerGyeolWebhooks } from './routes/gyeol_webhooks';
import { registerV1PaymentsFindPayment } from './routes/payments_findPayment';
import { registerV1PaymentsGetPayment } from './routes/payments_getPayment';
import { registerV1UsersGetToken } from './routes/users_getToken';

/** The V1 REST API: JSON and form bodies, the envelope on every answer, one route per file. */
export async function registerV1Api(app: FastifyInstance, ctx: V1Context): Promise<void> {
  await app.register(async (api) => {
    installV1ErrorHandling(api);
    api.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => {
      done(null, parseFormBody(body as string));
    });
    registerV1UsersGetToken(api, ctx);
    registerV1PaymentsGetPayment(api, ctx);
    registerV1PaymentsFindPayment(api, ctx);
    registerGyeolApprovals(api, ctx);
    registerGyeolWebhooks(api, ctx);
  });
}

export type { V1Context } from './context';
