// Browser scripts are served from dist/public and the process tests run dist/main.js and dist/simulator.js:
// build both once before any test runs (esbuild takes well under a second).
// @ts-expect-error plain ESM build script without types
import { buildBrowserBundles, buildServer, buildSimulator } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await Promise.all([buildBrowserBundles(), buildServer(), buildSimulator()]);
}
