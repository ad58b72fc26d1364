/**
 * The agent launcher of the local Fargate stand-in (fargate.ts): what the supervisor runs in place
 * of the agent runtime (its SYNTROPISM_RUNTIME), so that agent code gets the same sandbox as under
 * `npm start` (adapters/local-runner/sandbox.ts) without any change to the supervisor. In AWS the
 * task's network is the agent's; here the task shares the host's loopback, where the emulators
 * answer anyone (DynamoDB Local would let agent code rewrite every balance), so agent code must not
 * have it: it gets a network namespace of its own with the agent API's unix socket only.
 *
 * The supervisor has already dropped to the agent's uid when it runs this, so bwrap makes a user
 * namespace (sandbox.ts's unprivileged case). The runtime is the sandbox's first process, and
 * this launcher passes the supervisor's SIGTERM on to it (bwrap itself would die of it and take
 * the runtime with it unsaved); the launcher and bwrap die with each other, so the supervisor's
 * SIGKILL to the launcher's group, a second later, ends the whole sandbox.
 *
 * Bundled to one .mjs file (bundleAgentLauncher in local/runtime-bundle.ts) and bound into the
 * task read-only at TASK_PATHS.launcher.
 */
import { realpathSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { SANDBOX_PATHS, sandboxAvailability, sandboxCommand } from '../../adapters/local-runner/sandbox.js';
import { spawnTied } from '../../adapters/local-runner/tied-process.js';
import { TASK_PATHS } from './task-layout.js';

const log = (...args: unknown[]) => {
  console.error(`[launcher ${process.env.SYNTROPISM_AGENT_ID ?? '?'}]`, ...args);
};

function main(): void {
  const availability = sandboxAvailability();
  if (!availability.available) {
    log(`no sandbox for agent code, so no agent: ${availability.why}`);
    process.exit(1);
  }
  const sandboxed = sandboxCommand({
    workspace: TASK_PATHS.workspace,
    runtime: TASK_PATHS.runtime,
    apiSocket: TASK_PATHS.apiSocket,
    uid: process.getuid?.() ?? 0,
    args: [realpathSync(process.execPath), SANDBOX_PATHS.runtime],
  });
  // What the supervisor gives the agent, but the API by its socket instead of its URL.
  const given = (name: string) => (process.env[name] ? { [name]: process.env[name] } : {});
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/tmp',
    ...given('NODE_ENV'),
    ...given('SYNTROPISM_AGENT_ID'),
    ...given('SYNTROPISM_CREDENTIAL'),
    SYNTROPISM_WORKSPACE: SANDBOX_PATHS.workspace,
    SYNTROPISM_API_SOCKET: SANDBOX_PATHS.apiSocket,
  };
  // The runtime as the sandbox's process 1, so that a signal from here reaches it; its pid out here
  // comes on fd 3. bwrap in its own process group: the supervisor's SIGTERM to ours is passed on.
  const child = spawnTied(sandboxed.command, ['--as-pid-1', '--info-fd', '3', ...sandboxed.args], { env, stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
  let runtimePid: number | undefined;
  let info = '';
  (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
    info += chunk.toString();
    const pid = /"child-pid"\s*:\s*(\d+)/.exec(info)?.[1];
    if (pid) runtimePid = Number(pid);
  });
  process.on('SIGTERM', () => {
    try {
      if (runtimePid !== undefined) process.kill(runtimePid, 'SIGTERM');
      else child.kill('SIGKILL'); // not started yet: nothing to save
    } catch {
      // already gone
    }
  });
  child.once('error', (err) => {
    log('could not start the sandbox:', err.message);
    process.exit(1);
  });
  child.once('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
}

main();
