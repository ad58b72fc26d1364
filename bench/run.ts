/**
 * `npm run bench`: every benchmark, printing numbers (results and the machine they came from
 * are recorded in docs/BENCHMARKS.md). Name benchmarks to run only some: `npm run bench -- ledger`.
 */
import { cpus } from 'node:os';
import { benchAllocation } from './allocation.js';
import { benchClearing } from './clearing.js';
import { benchHttp } from './http.js';
import { benchLambdas } from './lambdas.js';
import { benchLedger } from './ledger.js';
import { benchRound } from './round.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const benchmarks: Record<string, () => Promise<void>> = {
  clearing: benchClearing,
  allocation: benchAllocation,
  ledger: benchLedger,
  http: benchHttp,
  lambdas: benchLambdas,
  round: benchRound,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
for (const [name, run] of Object.entries(benchmarks)) {
  if (wanted.length === 0 || wanted.includes(name)) {
    console.log(`\n== ${name}`);
    await run();
  }
}
