/** What `npm start` checks before it starts anything: the port, the sandbox, and this machine's supply. */
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';

export class PortInUseError extends Error {
  constructor(port: number) {
    super(`port ${port} is already in use: stop whatever holds it, or start on another port, e.g. PORT=8788 npm start`);
  }
}

export class SandboxUnavailableError extends Error {
  constructor(why: string) {
    super(
      `agent code is written by agents and runs only in a sandbox, and none can be made here: ${why}.\n` +
        '       Install bubblewrap (Debian/Ubuntu: apt-get install -y bubblewrap), or, knowing that agents can then read and do\n' +
        '       whatever this user can, start with `npm start -- --unsafe-no-sandbox`.',
    );
  }
}

export async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** Supply matched to this machine unless configured: its cores, and half its memory. */
export function machineSupply(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    ...env,
    SYNTROPISM_SUPPLY_VCPU: env.SYNTROPISM_SUPPLY_VCPU ?? String(cpus().length),
    SYNTROPISM_SUPPLY_MEMORY_MIB: env.SYNTROPISM_SUPPLY_MEMORY_MIB ?? String(Math.floor(totalmem() / 1024 / 1024 / 2)),
  };
}
