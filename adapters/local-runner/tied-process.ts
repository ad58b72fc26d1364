/**
 * Child processes that never outlive the process that started them. Each runs in its own process
 * group, so that a Ctrl-C meant for the stack reaches the stack, which stops its children in
 * order; and, on Linux, with SIGKILL as its parent-death signal (util-linux's `setpriv
 * --pdeathsig`), so that even if the stack itself is killed, nothing it started is left running.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

let setpriv: boolean | undefined;

function hasSetpriv(): boolean {
  setpriv ??= process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  return setpriv;
}

/** `command args`, wrapped so that it dies with this process. */
export function tiedCommand(command: string, args: readonly string[]): { command: string; args: string[] } {
  return hasSetpriv() ? { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', command, ...args] } : { command, args: [...args] };
}

export function spawnTied(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const tied = tiedCommand(command, args);
  return spawn(tied.command, tied.args, { ...options, detached: true });
}

/** Stops a child: SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
