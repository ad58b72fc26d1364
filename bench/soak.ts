/**
 * `npm run soak -- --minutes N`: the whole economy as `npm start` runs it, with the default
 * settings (5-s rounds, 60-s leases, the genesis agent), for N minutes (30 by default), with a
 * scripted human who looks at the page every 20 s and rewards the best-paid prompt. Every minute it
 * prints a line; at the end, what it saw: agents born, alive and dead, leases and their
 * boundaries, renewals (kept in the same process?), rewards, the audit, and every problem. Exits 1
 * if there was any. Results are kept in docs/RELIABILITY.md.
 *   --minutes N        how long (default 30)
 *   --look-seconds S   how often the human looks (default 20)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../local/free-port.js';
import { localLifeSubject, watchLife } from '../local/life.js';
import { startLocalStack } from '../local/stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, 'look-seconds': { type: 'string', default: '20' } } });
const minutes = Number(values.minutes);
const lookSeconds = Number(values['look-seconds']);
if (!(minutes > 0) || !(lookSeconds > 0)) throw new Error('--minutes and --look-seconds take positive numbers');

const dataDir = mkdtempSync(join(tmpdir(), 'syntropism-soak-'));
const stamp = () => new Date().toISOString().slice(11, 19);
const stack = await startLocalStack({
  port: await freePort(),
  dataDir,
  env: { ...process.env, ROUND_SECONDS: process.env.ROUND_SECONDS ?? '5', SYNTROPISM_OPERATOR_TOKEN: '' },
  log: (line) => console.log(`${stamp()} ${line}`),
  onCrash: (what) => console.log(`${stamp()} CRASH ${what}`),
});
console.log(`soak: ${minutes} min on ${stack.url}, data in ${dataDir}; agents ${stack.unsafe ?? `sandboxed, limits by ${stack.runner.limiter}`}`);
const watch = watchLife(localLifeSubject(stack), { dataDir, human: { everyMs: lookSeconds * 1000, perLook: 1, score: 7 } });
const ticker = setInterval(() => void stack.status().then((line) => console.log(`${stamp()} ${line}`)), 60_000);
let stopping = false;
const finish = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  const report = await watch.finish();
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.problems.length === 0 ? 0 : 1);
};
process.on('SIGINT', () => void finish());
setTimeout(() => void finish(), minutes * 60_000);
