/**
 * `npm start`: the whole economy on this machine. Reads PORT (8787), SYNTROPISM_DATA_DIR
 * (./.syntropism), SYNTROPISM_OPERATOR_TOKEN (generated, saved in the data dir and printed once
 * when unset) and ROUND_SECONDS (5); `npm start -- --fresh` starts a new economy. Ctrl-C stops
 * everything; a crash of any child process stops the rest with a message saying which.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { JavaMissingError } from './dynamodb-local.js';
import { PortInUseError, startLocalStack } from './stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 8787);
const dataDir = resolve(process.env.SYNTROPISM_DATA_DIR ?? '.syntropism');
const fresh = process.argv.includes('--fresh');
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
  let shuttingDown = false;
  let exitCode = 0;
  const stack = await startLocalStack({
    port,
    dataDir,
    env: { ...process.env, ROUND_SECONDS: process.env.ROUND_SECONDS ?? '5' },
    log,
    onCrash: (what) => {
      log(`error: ${what}; stopping everything`);
      exitCode = 1;
      void shutdown();
    },
  });

  async function shutdown(): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    clearInterval(ticker);
    log('stopping…');
    await stack.stop();
    log('stopped');
    process.exit(exitCode);
  }
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  console.log(`
Syntropism is running.
  human page     ${stack.url}/human
  agent API      ${stack.url}
  data           ${dataDir}
  operator token ${stack.generatedToken ? `${stack.operatorToken}   (generated; saved in ${dataDir}/operator-token, shown only now)` : '(from SYNTROPISM_OPERATOR_TOKEN or the data dir)'}
Ctrl-C stops everything.
`);
  const ticker = setInterval(() => {
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
  if (err instanceof JavaMissingError || err instanceof PortInUseError) console.error(`error: ${err.message}`);
  else console.error('error: could not start:', err);
  process.exit(1);
});
