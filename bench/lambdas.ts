/**
 * Each Lambda's bundle, built as the CDK stack builds it (esbuild, ESM, minified, the SDK
 * bundled): its size, and its cold import time in a fresh Node process (the median of three).
 * Handlers build nothing at import, so this is the code-loading part of a cold start.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LAMBDA_ALIASES } from '../infra/handler-function.js';
import { API_ROUTES, UNROUTED_ENTRIES } from '../lambdas/routes.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function benchLambdas(): Promise<void> {
  const entries = [...new Set([...API_ROUTES.map((r) => r.entry), ...UNROUTED_ENTRIES])].sort();
  const out = mkdtempSync(join(tmpdir(), 'lambda-bundles-'));
  console.log('entry point                    bundle      cold import (median of 3)');
  for (const entry of entries) {
    const outfile = join(out, `${entry}.mjs`);
    await build({
      entryPoints: [join(root, 'lambdas', `${entry}.ts`)],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      outfile,
      mainFields: ['module', 'main'],
      alias: { ...LAMBDA_ALIASES },
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'error',
    });
    const times = [0, 1, 2]
      .map(() =>
        Number(
          execFileSync(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`], {
            env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          })
            .toString()
            .trim(),
        ),
      )
      .sort((a, b) => a - b);
    console.log(`${entry.padEnd(30)} ${(statSync(outfile).size / 1000).toFixed(0).padStart(6)} kB   ${times[1]!.toFixed(0).padStart(6)} ms`);
  }
}
