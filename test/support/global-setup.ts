// Browser scripts are served from dist/public; build them once before any test runs.
// @ts-expect-error plain ESM build script without types
import { buildBrowserBundles } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildBrowserBundles();
}
