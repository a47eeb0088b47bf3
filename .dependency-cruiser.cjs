/**
 * Import boundaries of DESIGN §3, checked by `npm test` (and so CI):
 *   domain ← connectors ← services ← {http ← api, checkout, console, jobs} ← root files,
 *   domain ← store ← services.
 * Each rule names what a layer may import of ours; npm packages and Node built-ins are not
 * restricted here. Tests (`*.test.ts`, `test/`) may reach anything. Type-only imports count:
 * a type is as much a dependency of the design as a value.
 *
 * Run alone: `npx depcruise --config .dependency-cruiser.cjs src`
 */

/** Test code is exempt from the layer rules. */
const TESTS = ['\\.test\\.ts$', '^test/'];

/**
 * A rule that `from` may import nothing of ours under src/ except the paths in `allowed`
 * (its own folder must be listed too).
 */
function onlyImports(name, comment, from, allowed, extraFromNot = []) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from, pathNot: [...TESTS, ...extraFromNot] },
    to: { path: '^src/', pathNot: allowed },
  };
}

module.exports = {
  forbidden: [
    onlyImports('domain-imports-nothing', 'domain/ is the pure core: it imports nothing of ours.', '^src/domain/', ['^src/domain/']),
    onlyImports(
      'connectors-only-domain',
      'connectors/ import domain only (a PG connector may use the shared connector files): never the store, services or HTTP.',
      '^src/connectors/',
      ['^src/domain/', '^src/connectors/'],
    ),
    {
      name: 'connector-core-names-no-pg',
      comment: 'The connector contract and shared executor name no PG: only a PG folder imports itself.',
      severity: 'error',
      from: { path: '^src/connectors/[^/]+\\.ts$', pathNot: TESTS },
      to: { path: '^src/connectors/[^/]+/' },
    },
    onlyImports('store-only-domain', 'store/ imports domain only.', '^src/store/', ['^src/domain/', '^src/store/']),
    onlyImports(
      'services-no-pg',
      'services/ import domain, store and the connector contract/shared executor (files directly in connectors/), never a PG connector such as connectors/smartro.',
      '^src/services/',
      ['^src/services/', '^src/domain/', '^src/store/', '^src/connectors/[^/]+\\.ts$'],
    ),
    onlyImports('jobs-only-services', 'jobs/ run use cases: services and domain only.', '^src/jobs/', ['^src/jobs/', '^src/services/', '^src/domain/']),
    onlyImports('http-only-domain', 'http/ holds HTTP pieces shared by api, checkout and console: domain only.', '^src/http/', ['^src/http/', '^src/domain/']),
    onlyImports('api-layers', 'api/ routes call services and use http pieces; no store, no connector.', '^src/api/', [
      '^src/api/',
      '^src/http/',
      '^src/services/',
      '^src/domain/',
    ]),
    onlyImports('pg-layers', 'pg/ takes PG notifications: services and http pieces; no store, no connector.', '^src/pg/', [
      '^src/pg/',
      '^src/http/',
      '^src/services/',
      '^src/domain/',
    ]),
    onlyImports(
      'checkout-layers',
      'checkout/ (server side) calls services and uses http pieces; no store, no connector, no api.',
      '^src/checkout/',
      ['^src/checkout/', '^src/http/', '^src/services/', '^src/domain/'],
      ['^src/checkout/browser/'],
    ),
    onlyImports(
      'checkout-browser-standalone',
      'checkout/browser/ runs in the payment window: it imports nothing of the server.',
      '^src/checkout/browser/',
      ['^src/checkout/browser/'],
    ),
    onlyImports('console-layers', 'console/ calls services and uses http pieces.', '^src/console/', [
      '^src/console/',
      '^src/http/',
      '^src/services/',
      '^src/domain/',
    ]),
    onlyImports('sdk-standalone', 'sdk/ is the browser SDK bundle: nothing from the server.', '^src/sdk/', ['^src/sdk/']),
    onlyImports(
      'simulator-wire-and-crypto-only',
      "The Smartro simulator stands in for Smartro: it shares Smartro's wire types and crypto, nothing else of ours.",
      '^src/simulators/smartro/',
      ['^src/simulators/smartro/', '^src/connectors/smartro/wire\\.ts$', '^src/connectors/smartro/crypto\\.ts$'],
    ),
    onlyImports(
      'demo-shop-is-a-merchant',
      'The demo shop is a merchant: it reaches the gateway over HTTP (SDK and V1 REST) like any other, and imports none of its code.',
      '^src/demo-shop/',
      ['^src/demo-shop/'],
    ),
    {
      name: 'no-test-code-in-production',
      comment: 'Production code never imports tests or test support.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...TESTS, 'test-fixtures\\.ts$', 'test-helpers\\.ts$'] },
      to: { path: ['\\.test\\.ts$', '^test/', 'test-fixtures\\.ts$', 'test-helpers\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
