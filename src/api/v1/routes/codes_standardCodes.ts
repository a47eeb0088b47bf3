import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../domain/errors';
import { BANK_CODES, CARD_CODES, findStandardCode } from '../../../domain/standard-codes';
import { ok } from '../../../http/envelope';
import { requireStore, type V1Context } from '../context';
import { answers, V1StandardCodeSchema } from '../responses';

const Params = Type.Object({ code: Type.String({ minLength: 1, maxLength: 16 }) });
type Route = { Params: Static<typeof Params> };

/**
 * GET /banks, /banks/{code} (allBankCodes, bankCodes) and GET /cards, /cards/{code}
 * (allCardCodes, cardCodes): 금융결제원 standard codes as `{code, name}`; a token is required, as in V1.
 */
export function registerV1CodesStandardCodes(app: FastifyInstance, ctx: V1Context): void {
  const tables = [
    { path: '/banks', table: BANK_CODES, missing: 'BANK_NOT_FOUND' as const },
    { path: '/cards', table: CARD_CODES, missing: 'CARD_NOT_FOUND' as const },
  ];
  for (const { path, table, missing } of tables) {
    app.get(path, { schema: { response: answers(Type.Array(V1StandardCodeSchema)) } }, async (request) => {
      await requireStore(ctx, request);
      return ok(table.map((entry) => ({ code: entry.code, name: entry.name })));
    });
    app.get<Route>(`${path}/:code`, { schema: { params: Params, response: answers(V1StandardCodeSchema) } }, async (request) => {
      await requireStore(ctx, request);
      const entry = findStandardCode(table, request.params.code);
      if (!entry) throw new AppError(missing);
      return ok({ code: entry.code, name: entry.name });
    });
  }
}
