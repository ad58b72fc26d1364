/**
 * The agent runtime, bundled for local runs the way the Docker image bundles it: one .mjs file
 * that a plain `node` runs (fast to start, no TypeScript loader in the child process).
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const GENESIS_WORKSPACE = join(root, 'agent-container', 'genesis');

export async function bundleRuntime(outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'runtime.mjs');
  await build({
    entryPoints: [join(root, 'agent-container', 'runtime', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}
