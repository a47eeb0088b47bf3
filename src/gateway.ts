import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { registerV1Api } from './api/v1';
import { registerOpenApi } from './api/v1/openapi';
import { registerCheckout } from './checkout/routes';
import { sendError, toAppError, v1ClientErrorHandler, v1ErrorHandler } from './http/envelope';
import { inputHardening } from './http/input-hardening';
import { requestLog } from './http/request-log';
import { registerPgRoutes } from './pg/routes';
import type { Services } from './services';

export interface GatewayOptions {
  services: Services;
  /** The gateway's public base URL (no trailing slash), settled before the app is built. */
  publicUrl: string;
  /**
   * An HTTP server that already listens (the composition root binds the port first, so the public
   * URL is known before services are built). Without it the caller listens on the app.
   */
  server?: Server;
  /** Folder with the built browser scripts (dist/public). */
  assetDir: string;
  hideSandboxByDefault: boolean;
  logger?: FastifyBaseLogger;
}

/** Browser scripts the gateway serves: URL path → file in assetDir. */
const SCRIPTS: Record<string, { file: string; type: string }> = {
  '/v1/iamport.js': { file: 'iamport.js', type: 'application/javascript; charset=utf-8' },
  '/v1/iamport.d.ts': { file: 'iamport.d.ts', type: 'text/plain; charset=utf-8' },
  '/assets/checkout-window.js': { file: 'checkout-window.js', type: 'application/javascript; charset=utf-8' },
};

/** Static files get no request log line: every merchant page load fetches them. */
function isStaticAsset(urlPath: string): boolean {
  return Object.hasOwn(SCRIPTS, urlPath) || urlPath.startsWith('/assets/');
}

/**
 * The gateway (:4000): SDK script, checkout window, V1 REST API. Built in a function so tests
 * drive it with `app.inject()`; the composition root listens (or hands it a bound server).
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: 1024 * 1024,
    // requestLog writes one line per request instead of Fastify's two (logController is the
    // non-deprecated way to turn those off in Fastify 5).
    logController: new LogController({ disableRequestLogging: true }),
    // Reject absurd URLs and header floods before any handler runs.
    routerOptions: { maxParamLength: 200 },
    // Errors the router raises before any route (a path parameter too long, a bad %-encoding)
    // answer in the V1 envelope too.
    frameworkErrors: (error, _request, reply) => {
      sendError(reply, toAppError(error));
    },
    // …and so do requests Node's parser refuses (headers over 16 KiB: 431).
    clientErrorHandler: v1ClientErrorHandler,
    ...(options.server ? { serverFactory: attachTo(options.server) } : {}),
  });

  await app.register(requestLog, { quiet: isStaticAsset });
  // Registered before every route so its JSON parser and hooks cover V1 REST and /checkout/*.
  await app.register(inputHardening);
  // Routes outside the V1 and checkout contexts (scripts, /health) answer errors in the envelope too.
  app.setErrorHandler(v1ErrorHandler);

  const cache = new Map<string, Buffer>();
  for (const [urlPath, { file, type }] of Object.entries(SCRIPTS)) {
    app.get(urlPath, async (_request, reply) => {
      let body = cache.get(file);
      if (!body) {
        body = await readFile(path.join(options.assetDir, file));
        cache.set(file, body);
      }
      reply.header('Cache-Control', 'public, max-age=300');
      reply.header('Access-Control-Allow-Origin', '*');
      reply.header('X-Content-Type-Options', 'nosniff');
      return reply.type(type).send(body);
    });
  }

  // Each connector's browser launcher (dist/public/launchers/<pg_provider>.js), loaded by the checkout window.
  app.get<{ Params: { name: string } }>('/assets/launchers/:name', async (request, reply) => {
    const match = /^([a-z0-9_]{1,40})\.js$/.exec(request.params.name);
    if (!match) return reply.status(404).send({ code: -1, message: '요청하신 파일을 찾을 수 없습니다.', response: null });
    const file = `launchers/${match[1]}.js`;
    let body = cache.get(file);
    if (!body) {
      try {
        body = await readFile(path.join(options.assetDir, file));
      } catch {
        return reply.status(404).send({ code: -1, message: '요청하신 파일을 찾을 수 없습니다.', response: null });
      }
      cache.set(file, body);
    }
    reply.header('Cache-Control', 'public, max-age=300');
    reply.header('X-Content-Type-Options', 'nosniff');
    return reply.type('application/javascript; charset=utf-8').send(body);
  });

  app.get('/health', async () => ({ status: 'ok' }));
  // Before the routes it describes: @fastify/swagger collects them as they are registered.
  await registerOpenApi(app, { publicUrl: options.publicUrl });

  await registerCheckout(app, { services: options.services, urls: { publicUrl: options.publicUrl } });
  await registerPgRoutes(app, { services: options.services });
  await registerV1Api(app, { services: options.services, hideSandboxByDefault: options.hideSandboxByDefault });
  return app;
}

/** Fastify's serverFactory for a server that already listens: requests go to the app's handler. */
function attachTo(server: Server) {
  return (handler: (req: any, res: any) => void) => {
    server.on('request', handler);
    return server;
  };
}
