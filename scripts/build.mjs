// Builds what `npm start` and the tests need: the server bundle and the browser scripts.
// Browser scripts are bundled to single files under dist/public and served from there.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Browser bundles: entry → served file name. */
export const BROWSER_BUNDLES = [
  { entry: 'src/sdk/index.ts', out: 'iamport.js', globalName: undefined },
  { entry: 'src/simulators/smartro/browser/smartropay.ts', out: 'SmartroPAY-1.0.min.js', globalName: undefined },
  { entry: 'src/checkout/browser/window.ts', out: 'checkout-window.js', globalName: undefined },
  // Each connector's browser launcher, served at /assets/launchers/<pg_provider>.js.
  { entry: 'src/connectors/smartro/browser/launcher.ts', out: 'launchers/smartro_v2.js', globalName: undefined },
];

export async function buildBrowserBundles() {
  // Merchants can fetch the SDK's TypeScript declarations from the gateway too.
  mkdirSync(path.join(root, 'dist/public'), { recursive: true });
  copyFileSync(path.join(root, 'src/sdk/iamport.d.ts'), path.join(root, 'dist/public/iamport.d.ts'));
  await Promise.all(
    BROWSER_BUNDLES.map((b) =>
      build({
        absWorkingDir: root,
        entryPoints: [b.entry],
        outfile: path.join('dist/public', b.out),
        bundle: true,
        minify: true,
        format: 'iife',
        target: ['es2017'],
        platform: 'browser',
        legalComments: 'none',
        logLevel: 'warning',
      }),
    ),
  );
}

/** Node bundles: the gateway (`npm start`) and the Smartro simulator alone (`npm run simulator`). */
const NODE_BUNDLE = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

export async function buildServer() {
  await build({ ...NODE_BUNDLE, entryPoints: { main: 'src/main.ts', cli: 'src/cli.ts' }, outdir: 'dist' });
}

export async function buildSimulator() {
  await build({ ...NODE_BUNDLE, entryPoints: ['src/simulators/smartro/main.ts'], outfile: 'dist/simulator.js' });
}

/** The benchmarks (`npm run bench`): the runner, the servers it starts and its own load generators, each its own process. */
export async function buildBench() {
  await build({
    ...NODE_BUNDLE,
    entryPoints: {
      run: 'bench/run.ts',
      ...Object.fromEntries(readdirSync(path.join(root, 'bench/servers')).filter((f) => f.endsWith('.ts')).map((f) => [f.slice(0, -3), `bench/servers/${f}`])),
      // Load generators a benchmark runs in their own process: dist/bench/load/<name>.js.
      ...Object.fromEntries(readdirSync(path.join(root, 'bench/load')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => [`load/${f.slice(0, -3)}`, `bench/load/${f}`])),
    },
    outdir: 'dist/bench',
  });
}

export function gzippedSize(file) {
  return gzipSync(readFileSync(path.join(root, 'dist/public', file)), { level: 9 }).length;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const assetsOnly = process.argv.includes('--assets-only');
  if (process.argv.includes('--bench')) await buildBench();
  await Promise.all([buildBrowserBundles(), assetsOnly ? null : buildServer(), assetsOnly ? null : buildSimulator()]);
  console.log(`built ${assetsOnly ? 'browser assets' : 'server, simulator and browser assets'}; iamport.js ${gzippedSize('iamport.js')} bytes gzipped`);
}
