/**
 * moto_server (a Python AWS emulator): the ECS control plane, KMS, Secrets Manager and EC2 for
 * `npm start -- --cloud` and for the tests that need them. Started on a free loopback port, tied
 * to this process's life (adapters/local-runner/tied-process.ts), reset with `reset()`.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { spawnTied, stopChild } from '../adapters/local-runner/tied-process.js';
import { freePort } from './free-port.js';

export const hasMoto = (): boolean => spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

export class MotoMissingError extends Error {
  constructor() {
    super('`npm start -- --cloud` needs moto_server (the ECS, KMS and Secrets Manager emulator), which is not installed: pip install "moto[server]"');
  }
}

export interface Moto {
  endpoint: string;
  process: ChildProcess;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  if (!hasMoto()) throw new MotoMissingError();
  const port = await freePort();
  const child = spawnTied('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = () => stopChild(child, exited);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    endpoint,
    process: child,
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop,
  };
}
