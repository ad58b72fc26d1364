/**
 * Which environment variables a Lambda entry point's own code reads: esbuild resolves the entry's
 * imports (our files only; packages stay external) and each file is scanned for `env.NAME` and
 * `env['NAME']` (and `required(env, 'NAME')`, wiring/base.ts's helper). A file that reads by a computed name (`env[setting.env]`, `env[name]`) is
 * taken to read every UPPER_SNAKE string literal it contains: the names it computes from (the
 * config's settings table, a `required(env, 'NAME')` helper). That over-counts rather than misses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../../infra/handler-function.js';

const LITERAL_READ = /\benv(?:\.([A-Z][A-Z0-9_]*)\b|\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\])|\brequired\([\w.]+,\s*['"`]([A-Z][A-Z0-9_]*)['"`]\)/g;
const COMPUTED_READ = /\benv\[(?!\s*['"`])/;
const UPPER_SNAKE_LITERAL = /['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g;

export async function envReadsOf(entry: string): Promise<{ names: Set<string>; files: string[] }> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'lambdas', `${entry}.ts`)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: 'unused',
  });
  const files = Object.keys(result.metafile.inputs).sort();
  const names = new Set<string>();
  for (const file of files) {
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const match of source.matchAll(LITERAL_READ)) names.add((match[1] ?? match[2] ?? match[3])!);
    if (COMPUTED_READ.test(source)) for (const match of source.matchAll(UPPER_SNAKE_LITERAL)) names.add(match[1]!);
  }
  return { names, files };
}
