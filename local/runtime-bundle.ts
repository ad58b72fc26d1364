/**
 * The agent container's programs, bundled the way the Docker image bundles them: one .mjs file
 * each that a plain `node` runs (fast to start, no TypeScript loader in the child process). The
 * local runner runs the agent runtime; the supervisor is what a task runs in AWS (and in the local
 * Fargate stand-in, local/cloud/fargate.ts, with its agent launcher).
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const GENESIS_WORKSPACE = join(root, 'agent-container', 'genesis');

/** The agent runtime: the process that runs agent code. */
export function bundleRuntime(outDir: string): Promise<string> {
  return bundle('runtime', outDir);
}

/** The supervisor: the trusted side of an agent's task. */
export function bundleSupervisor(outDir: string): Promise<string> {
  return bundle('supervisor', outDir);
}

/** The Fargate stand-in's agent launcher: the agent runtime put into its sandbox (local/cloud/agent-launcher.ts). */
export function bundleAgentLauncher(outDir: string): Promise<string> {
  return bundleFile(join(root, 'local', 'cloud', 'agent-launcher.ts'), join(outDir, 'launcher.mjs'));
}

function bundle(entry: 'runtime' | 'supervisor', outDir: string): Promise<string> {
  return bundleFile(join(root, 'agent-container', entry, 'main.ts'), join(outDir, `${entry}.mjs`));
}

async function bundleFile(entry: string, outfile: string): Promise<string> {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
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
