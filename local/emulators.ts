/**
 * The SQS (and S3) emulator, fauxqs, as a child process of the local stack on a free loopback
 * port, tied to the stack's life (adapters/local-runner/tied-process.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTied, stopChild } from '../adapters/local-runner/tied-process.js';
import { freePort } from './free-port.js';

export interface EmulatorProcess {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startFauxqsProcess(): Promise<EmulatorProcess> {
  // fauxqs exports only its ESM entry (dist/app.js); its CLI sits beside it.
  const cli = join(dirname(fileURLToPath(import.meta.resolve('fauxqs'))), 'cli.js');
  const port = await freePort();
  const child = spawnTied(process.execPath, [cli], { env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_HOST: '127.0.0.1' }, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = () => stopChild(child, exited);
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/health`)).ok) break;
    } catch {
      // not yet listening
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error('the SQS emulator (fauxqs) did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint, process: child, stop };
}
