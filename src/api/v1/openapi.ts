import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import gyeolDocument from '../../../docs/gyeol-openapi.json';

/** Routes that answer without a token (everything else calls requireStore). */
const OPEN_ROUTES = new Set(['/users/getToken']);

/**
 * The OpenAPI 3 document of the V1 REST API and gyeol's /gyeol/ extensions, generated from the
 * route schemas and served at /openapi.json, with an interactive reference (Swagger UI) at /docs.
 * Register it on the root app before any route; routes outside the V1 plugin (/checkout/*, /pg/*,
 * /assets, scripts, /health) carry no tag and stay out of the document.
 */
export async function registerOpenApi(app: FastifyInstance, options: { publicUrl: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      // 3.1: the answers' schemas are JSON Schema (nullable fields are `anyOf … {type: 'null'}`).
      openapi: '3.1.0',
      info: {
        title: 'gyeol V1 REST API',
        description:
          'PortOne(아임포트) V1 호환 REST API와 gyeol 확장(/gyeol/). `/users/getToken`으로 받은 access_token을 ' +
          '`Authorization` 헤더(`Bearer <token>` 또는 토큰만)나 `X-ImpTokenHeader`로 보냅니다. 모든 응답은 `{code, message, response}` 봉투입니다.',
        version: '1',
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: '/users/getToken의 access_token' },
          impTokenHeader: { type: 'apiKey', in: 'header', name: 'X-ImpTokenHeader', description: '예전 헤더 (같은 토큰)' },
        },
      },
      security: [{ bearer: [] }, { impTokenHeader: [] }],
      tags: [
        { name: 'authenticate', description: '토큰 발급' },
        { name: 'payments', description: '결제 조회·사전등록·취소' },
        { name: 'vbanks', description: '가상계좌 발급·말소' },
        { name: 'escrows', description: '에스크로 배송정보' },
        { name: 'subscribe', description: '빌링키(정기결제) 고객' },
        { name: 'receipts', description: '현금영수증 발급·조회·취소' },
        { name: 'codes', description: '금융결제원 표준 은행·카드사 코드' },
        { name: 'vbanks', description: '가상계좌 발급(API)·예금주 조회' },
        { name: 'escrows', description: '에스크로 배송정보' },
        { name: 'pgs', description: '가맹점 PG 설정' },
        { name: 'gyeol', description: 'gyeol 확장: 웹훅 설정·전달 기록, 승인 확인' },
      ],
    },
    hideUntagged: true,
    transformObject: (document) => withGyeolAnswers((document as { openapiObject: OpenApiDocument }).openapiObject) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // The document itself at the root, as most tools expect it (/docs/json answers it too).
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * Called inside the V1 plugin: tags each V1 route for the document (V1's tag by its first path
 * segment, gyeol's extensions under `gyeol`) and marks the token-free ones.
 */
export function tagV1Routes(api: FastifyInstance): void {
  api.addHook('onRoute', (route: RouteOptions) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    route.schema = {
      ...schema,
      tags: (schema.tags as string[] | undefined) ?? [v1Tag(route.url)],
      ...(OPEN_ROUTES.has(route.url) ? { security: [] } : {}),
    };
  });
}

function v1Tag(url: string): string {
  const first = url.split('/')[1] ?? '';
  if (first === 'gyeol') return 'gyeol';
  if (first === 'users') return url === '/users/getToken' ? 'authenticate' : 'pgs';
  if (first === 'banks' || first === 'cards') return 'codes';
  return first;
}

type OpenApiDocument = {
  paths?: Record<string, Record<string, { responses?: unknown }>>;
  components?: Record<string, Record<string, unknown>>;
};

/**
 * The /gyeol/ operations' answers come from docs/gyeol-openapi.json, where they are written once
 * (with their components); the generated document takes them over, so /openapi.json describes
 * every answer of the V1 routes and of gyeol's extensions.
 */
function withGyeolAnswers(generated: OpenApiDocument): OpenApiDocument {
  const source = gyeolDocument as unknown as OpenApiDocument;
  const paths = { ...generated.paths };
  for (const [p, item] of Object.entries(paths)) {
    const described = source.paths?.[p];
    if (!p.startsWith('/gyeol/') || !described) continue;
    paths[p] = Object.fromEntries(Object.entries(item).map(([method, op]) => [method, described[method]?.responses ? { ...op, responses: described[method].responses } : op]));
  }
  const components: Record<string, Record<string, unknown>> = { ...generated.components };
  for (const kind of ['schemas', 'responses'] as const) components[kind] = { ...source.components?.[kind], ...generated.components?.[kind] };
  return { ...generated, paths, components };
}
