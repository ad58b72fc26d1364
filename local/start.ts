/**
 * `npm start`: the whole economy on this machine. Reads PORT (8787), SYNTROPISM_DATA_DIR
 * (./.syntropism), SYNTROPISM_OPERATOR_TOKEN (generated, saved in the data dir and printed once
 * when unset) and ROUND_SECONDS (5); `npm start -- --fresh` starts a new economy;
 * `--unsafe-no-sandbox` runs agent code unconfined where no sandbox can be made. `npm start --
 * --cloud` runs the synthesised CDK template's wiring instead (local/cloud/stack.ts): a new economy
 * each time, in <data dir>/cloud, with rounds of ROUND_SECONDS (the template's 60 unless set).
 *
 * It stops, leaving nothing running, on Ctrl-C (SIGINT to the whole foreground group), on SIGTERM,
 * when its parent goes away (npm killed by SIGTERM does not pass it on through its shell), and when
 * any of its children crashes (with a message saying which).
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataDirVersionError } from './data-dir.js';
import { startCloudStack } from './cloud/stack.js';
import { economyContextFromEnv } from '../infra/settings.js';
import { ValidationError } from '../economy/errors.js';
import { JavaMissingError } from './dynamodb-local.js';
import { MotoMissingError } from './moto.js';
import { PortInUseError, SandboxUnavailableError, startLocalStack, type LocalStack } from './stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 8787);
const dataDir = resolve(process.env.SYNTROPISM_DATA_DIR ?? '.syntropism');
const fresh = process.argv.includes('--fresh');
const unsafeNoSandbox = process.argv.includes('--unsafe-no-sandbox');
const cloud = process.argv.includes('--cloud');
const interactive = process.stdout.isTTY;

const log = (line: string) => {
  process.stdout.write(`${interactive ? '\r\x1b[K' : ''}${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be a port number, not ${String(process.env.PORT)}`);
  if (fresh) {
    rmSync(dataDir, { recursive: true, force: true });
    log(`--fresh: removed ${dataDir}`);
  }
  // What a shutdown must stop; it may come at any moment, during start-up too.
  const running: { stack?: Pick<LocalStack, 'stop'>; ticker?: NodeJS.Timeout; stopping: boolean; exitCode: number } = { stopping: false, exitCode: 0 };
  const parent = process.ppid;
  const orphanWatch = setInterval(() => {
    if (process.ppid !== parent) {
      log('the parent process is gone');
      void shutdown();
    }
  }, 500);
  async function shutdown(): Promise<void> {
    if (running.stopping) return;
    running.stopping = true;
    clearInterval(running.ticker);
    clearInterval(orphanWatch);
    log('stopping…');
    await running.stack?.stop();
    log('stopped');
    process.exit(running.exitCode);
  }
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGHUP', () => void shutdown());

  const onCrash = (what: string) => {
    log(`error: ${what}; stopping everything`);
    running.exitCode = 1;
    void shutdown();
  };
  /** Keeps the started stack for the shutdown; false if a shutdown came during start-up (it is stopped then). */
  const adopt = async (stack: Pick<LocalStack, 'stop'>): Promise<boolean> => {
    running.stack = stack;
    if (running.stopping) await stack.stop();
    return !running.stopping;
  };

  if (cloud) {
    const roundSeconds = process.env.ROUND_SECONDS ? Number(process.env.ROUND_SECONDS) : undefined;
    const stack = await startCloudStack({
      port,
      dataDir: resolve(dataDir, 'cloud'),
      // No Bedrock here: the LLM gateway's labelled offline provider.
      // The economy's settings from the environment (SYNTROPISM_PAYMENTS...), as under plain `npm start`.
      context: { ...economyContextFromEnv(process.env), llmProvider: 'offline', ...(roundSeconds ? { roundSeconds, localCloud: roundSeconds % 60 !== 0 } : {}) },
      log,
      onCrash,
    });
    if (!(await adopt(stack))) return;
    console.log(`
Syntropism is running the synthesised template (--cloud).
  human page     ${stack.url}/human
  agent API      ${stack.url}
  functions      ${stack.functions.size}, each with its template environment (logs in ${resolve(dataDir, 'cloud', 'logs')})
  operator token ${stack.operatorToken}   (in the template's secret, in moto; new each start)
  agents         ECS tasks in moto, run by the Fargate stand-in, agent code sandboxed (docs/DEPLOY.md)
Ctrl-C stops everything.
`);
    return;
  }

  const stack = await startLocalStack({
    port,
    dataDir,
    env: { ...process.env, ROUND_SECONDS: process.env.ROUND_SECONDS ?? '5' },
    log,
    unsafeNoSandbox,
    onCrash,
  });
  if (!(await adopt(stack))) return;

  console.log(`
Syntropism is running.
  human page     ${stack.url}/human
  agent API      ${stack.url}
  data           ${dataDir}
  operator token ${stack.generatedToken ? `${stack.operatorToken}   (generated; saved in ${dataDir}/operator-token, shown only now)` : '(from SYNTROPISM_OPERATOR_TOKEN or the data dir)'}
  agents         ${stack.unsafe ?? `sandboxed (bubblewrap), limits by ${stack.runner.limiter}`}
Ctrl-C stops everything.
`);
  running.ticker = setInterval(() => {
    void stack.status().then(
      (line) => {
        if (interactive) process.stdout.write(`\r\x1b[K${line}`);
        else console.log(line);
      },
      (err: unknown) => log(`status: ${String(err)}`),
    );
  }, stack.deps.config.roundSeconds * 1000);
}

main().catch((err: unknown) => {
  // A setting the economy refuses (economy/config.ts) is the user's to fix: its message says how.
  const known = [JavaMissingError, MotoMissingError, PortInUseError, SandboxUnavailableError, DataDirVersionError, ValidationError].some((kind) => err instanceof kind);
  if (known) console.error(`error: ${(err as Error).message}`);
  else console.error('error: could not start:', err);
  process.exit(1);
});
