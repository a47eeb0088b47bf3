/**
 * Where PGs post their notifications to gyeol (server to server, no buyer, no merchant):
 * `POST /pg/smartro/notify` takes Smartro's 신통보 (a virtual account deposit, `4110`).
 *
 * The answer: `200 OK` (text) once the notification is handled, whatever it said — also for a
 * forged, misdirected or repeated one, which changes nothing and is logged. Smartro retries a
 * notification until it is acknowledged (every minute, five times, as PortOne configures it), so
 * refusing a forgery would only bring it back. Only a notification that could not be recorded
 * (the database failing) gets a 500, so that Smartro sends it again.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services';

/** The acknowledgement body; the simulator expects exactly this (Smartro's own is not public). */
export const NOTIFICATION_ACK = 'OK';

export async function registerPgRoutes(app: FastifyInstance, ctx: { services: Services }): Promise<void> {
  await app.register(async (pg) => {
    pg.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      // Flat fields only: a PG notification has no nested keys.
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    pg.post('/pg/smartro/notify', async (request, reply) => {
      const body = request.body;
      const fields: Record<string, string> = {};
      if (typeof body === 'object' && body !== null) {
        for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
      }
      const outcome = await ctx.services.approvals.recordNotification('smartro_v2', fields);
      const about = { pgProvider: 'smartro_v2', tid: fields.Tid ?? null, resultCode: fields.ResultCode ?? null };
      if (outcome.kind === 'refused') request.log.warn({ ...about, reason: outcome.reason }, 'PG notification refused; acknowledged so it is not retried');
      else request.log.info({ ...about, impUid: outcome.payment.impUid, outcome: outcome.kind }, 'PG notification recorded');
      return reply.code(200).type('text/plain; charset=utf-8').send(NOTIFICATION_ACK);
    });
  });
}
