/**
 * The sandbox an agent's process runs in locally, made with bubblewrap (`bwrap`): agent code is
 * hostile, so it sees only
 * - its own workspace, read-write, at /workspace;
 * - the agent runtime and Node, read-only, and the system libraries Node needs (/usr);
 * - a fresh /proc of its own PID namespace (no other process, no other environment), a minimal
 *   /dev and a private /tmp;
 * - a network namespace of its own, with no way out but the agent API's unix socket, bound in at
 *   /run/syntropism/api.sock;
 * and it runs as an unprivileged user with no capabilities and no way to gain any. Its limits are
 * set from outside (limits.ts): no cgroup file is visible inside.
 *
 * Run as root (this machine, CI), bwrap sets up the namespaces itself and `setpriv` drops to the
 * agent's uid; run as an ordinary user, bwrap makes a user namespace and the agent is that user,
 * without capabilities, outside.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where things are inside the sandbox. */
export const SANDBOX_PATHS = {
  workspace: '/workspace',
  runtime: '/opt/syntropism/runtime.mjs',
  apiSocket: '/run/syntropism/api.sock',
} as const;

/** The uid and gid agents run as when the stack runs as root (configurable: SYNTROPISM_AGENT_UID). */
export const DEFAULT_AGENT_UID = 64_000;

export type SandboxAvailability = { available: true } | { available: false; why: string };

export interface SandboxSpec {
  workspace: string;
  runtime: string;
  apiSocket: string;
  /** The agent's uid and gid, when run as root. */
  uid: number;
  /** The command inside: Node and its arguments (paths inside the sandbox). */
  args: string[];
}

const isRoot = () => process.getuid?.() === 0;

/** The Node binary and what must be visible for it to run: /usr, and its own install prefix when elsewhere. */
export function nodeBinds(): string[] {
  const node = realpathSync(process.execPath);
  const prefix = dirname(dirname(node));
  return prefix === '/usr' || prefix.startsWith('/usr/') ? [] : ['--ro-bind', prefix, prefix];
}

/** /lib, /lib64, /bin, /sbin: symlinks into /usr on merged-/usr systems, directories elsewhere. */
export function systemDirs(): string[] {
  const out: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const dir of ['/lib', '/lib64', '/lib32', '/bin', '/sbin']) {
    if (!existsSync(dir)) continue;
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink()) out.push('--symlink', realpathSync(dir).replace(/^\//, ''), dir);
    else out.push('--ro-bind', dir, dir);
  }
  return out;
}

/** The directories above these paths, made readable (bwrap makes the ones it creates 0700 otherwise). */
export function openDirs(...paths: string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) dirs.add(dir);
  }
  return [...dirs].sort().flatMap((dir) => ['--perms', '0755', '--dir', dir]);
}

/** The bwrap command line for one agent process (its environment is bwrap's own, passed through). */
export function sandboxCommand(spec: SandboxSpec): { command: string; args: string[] } {
  const args = [
    ...systemDirs(),
    ...nodeBinds(),
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
    '--bind', spec.workspace, SANDBOX_PATHS.workspace,
    ...openDirs(SANDBOX_PATHS.runtime, SANDBOX_PATHS.apiSocket),
    '--ro-bind', spec.runtime, SANDBOX_PATHS.runtime,
    '--ro-bind', spec.apiSocket, SANDBOX_PATHS.apiSocket,
    '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try',
    '--hostname', 'agent',
    '--die-with-parent',
    '--new-session',
    '--chdir', SANDBOX_PATHS.workspace,
  ];
  if (!isRoot()) return { command: 'bwrap', args: [...args, '--unshare-user', '--uid', '1000', '--gid', '1000', '--', ...spec.args] };
  const drop = ['--reuid', String(spec.uid), '--regid', String(spec.uid), '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs'];
  return { command: 'bwrap', args: [...args, '--', 'setpriv', ...drop, '--', ...spec.args] };
}

let probed: SandboxAvailability | undefined;

/** Whether a sandbox can be made here: bwrap (and, as root, setpriv) present and namespaces allowed. */
export function sandboxAvailability(): SandboxAvailability {
  if (probed) return probed;
  const tools = isRoot() ? ['bwrap', 'setpriv'] : ['bwrap'];
  for (const tool of tools) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) {
      return (probed = { available: false, why: `${tool} is not installed (Debian/Ubuntu: apt-get install -y bubblewrap)` });
    }
  }
  const probe = spawnSync(
    'bwrap',
    [...systemDirs(), '--unshare-pid', '--unshare-net', ...(isRoot() ? [] : ['--unshare-user']), '--', realpathSync(process.execPath), '-e', '0'],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 },
  );
  if (probe.status !== 0) {
    const detail = probe.stderr.toString().trim() || `exit ${String(probe.status)}`;
    return (probed = { available: false, why: `bwrap cannot make namespaces here (${detail}); user namespaces may be disabled` });
  }
  return (probed = { available: true });
}
