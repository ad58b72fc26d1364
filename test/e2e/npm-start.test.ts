/**
 * The main job, end to end: `npm start` in a temporary data dir on a free port. The genesis agent
 * wins a lease and runs as a process in its sandbox, bids again by itself and asks the human
 * something; the test rewards the prompt over HTTP and sees the balance rise; the audit holds.
 * It stops leaving no process behind, whichever way it is stopped: Ctrl-C (SIGINT to the whole
 * foreground process group, as a terminal sends it), SIGTERM to npm alone, or a crash of one of its
 * children; started again on the same data dir, the same economy goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';

const root = new URL('../..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'syntropism-start-'));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) {
    if (child.exitCode !== null || !child.pid) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Every live descendant of a process (walking /proc), so that leftovers can be found. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** Running (a zombie, exited but not yet reaped, is not). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

type Stop = 'ctrl-c' | 'sigterm-to-npm' | 'child-crash';

async function npmStart(port: number, dir = dataDir): Promise<{ child: ChildProcess; output: () => string; stop: (how: Stop) => Promise<string[]> }> {
  let output = '';
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      SYNTROPISM_DATA_DIR: dir,
      ROUND_SECONDS: '2',
      SYNTROPISM_GENESIS_LEASE_SECONDS: '12',
      SYNTROPISM_OPERATOR_TOKEN: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as a terminal's foreground job has.
    detached: true,
  });
  started.push(child);
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until('npm start to be ready', () => Promise.resolve(output.includes('Syntropism is running.')), 120_000);
  return {
    child,
    output: () => output,
    stop: async (how) => {
      // Everything it started, and anything of this data dir wherever it is in the process tree.
      const family = [...new Set([...descendants(child.pid!), ...processesMentioning(dir)])];
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (how === 'ctrl-c') process.kill(-child.pid!, 'SIGINT');
      else if (how === 'sigterm-to-npm') child.kill('SIGTERM');
      else {
        const java = family.find((pid) => cmdline(pid).includes('DynamoDBLocal.jar'));
        expect(java).toBeDefined();
        process.kill(java!, 'SIGKILL');
      }
      await exited;
      // npm may return before the stack has finished stopping (SIGTERM reaches the stack through its parent's death).
      await until('every process of the stack to end', () => Promise.resolve(family.every((pid) => !alive(pid))), 15_000).catch(() => undefined);
      return [...family, ...processesMentioning(dir)].filter(alive).map((pid) => `${pid} ${cmdline(pid).slice(0, 120)}`);
    },
  };
}

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '(gone)';
  }
};

/** Live processes whose command line names `dir` (DynamoDB Local's data, a sandbox's workspace). */
function processesMentioning(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && cmdline(pid).includes(dir) && alive(pid));
}

describe('npm start', () => {
  it('refuses a port in use, saying what to do', async () => {
    const { createServer } = await import('node:net');
    const busy = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, PORT: String(port), SYNTROPISM_DATA_DIR: mkdtempSync(join(tmpdir(), 'syntropism-busy-')) }, stdio: ['ignore', 'pipe', 'pipe'] });
      started.push(child);
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).not.toBe(0);
      expect(output).toContain(`port ${port} is already in use`);
      expect(output).toContain('PORT=');
    } finally {
      busy.close();
    }
  });

  it('runs the whole economy, which a human can reward, and stops cleanly; a restart goes on', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = await npmStart(port);
    const token = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
    expect(first.output()).toContain(`${url}/human`);
    expect(first.output()).toContain(token); // printed once, when generated
    const genesis = readFileSync(join(dataDir, 'genesis-credential'), 'utf8').trim();
    const call = async (path: string, options: { method?: string; auth?: string; body?: unknown } = {}) => {
      const res = await fetch(`${url}${path}`, {
        method: options.method ?? 'GET',
        headers: { authorization: `Bearer ${options.auth ?? genesis}`, 'content-type': 'application/json' },
        ...(options.body ? { body: JSON.stringify(options.body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    // It wins its first lease and runs as a process of its own.
    const me = await until('the genesis agent to win a lease', async () => {
      const reply = await call('/me');
      return reply.body.lease ? reply.body : undefined;
    });
    const agentId = me.agentId as string;
    await until('the agent process to log', () => Promise.resolve(existsSync(join(dataDir, 'logs', `${agentId}.log`)) && readFileSync(join(dataDir, 'logs', `${agentId}.log`), 'utf8').includes(`[agent ${agentId}]`)));
    expect(descendants(first.child.pid!).some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('runtime.mjs'))).toBe(true);

    // It asks the human something, and bids again before its lease ends, by itself.
    const prompt = await until('a prompt from the agent', async () => (await call('/admin/prompts', { auth: token })).body.items.find((p: any) => p.agentId === agentId));
    await until('a second bid, placed by the agent', async () => (await call('/bids')).body.items.length >= 2);

    // The human rewards it; its balance rises by exactly the reward.
    const before = (await call('/me')).body.available as number;
    const mintedBefore = (await call('/admin/audit', { auth: token })).body.minted as number;
    const rewarded = await call(`/admin/prompts/${prompt.promptId}/reward`, { method: 'POST', auth: token, body: { interesting: 5, useful: 5, understandable: 5, reply: 'Thanks!' } });
    expect(rewarded.status).toBe(200);
    const reward = 15 * 50_000_000;
    const after = (await call('/me')).body.available as number;
    // Between the two reads the agent may have bid or prompted (holds): count held too.
    expect(after + (await call('/me')).body.held - before).toBeGreaterThanOrEqual(reward - 10_000_000);
    const audit = (await call('/admin/audit', { auth: token })).body;
    expect(audit).toMatchObject({ ok: true, drift: 0, minted: mintedBefore + reward });
    expect((await call('/journal')).body.items).toContainEqual(expect.objectContaining({ kind: 'mint', reason: 'reward', amount: reward, ref: prompt.promptId }));
    const round = (await call('/market')).body.round as number;
    expect(round).toBeGreaterThanOrEqual(2);

    // Ctrl-C in a terminal: SIGINT to npm, its shell and the stack at once.
    expect(await first.stop('ctrl-c')).toEqual([]);

    // Again on the same data dir: the same agent, its money, and the rounds go on.
    const second = await npmStart(port);
    expect(second.output()).not.toContain(token);
    const again = (await call('/me')).body;
    expect(again.agentId).toBe(agentId);
    expect(again.available + again.held).toBeGreaterThan(0);
    expect((await call('/admin/audit', { auth: token })).body).toMatchObject({ ok: true, minted: audit.minted });
    await until('the next round', async () => ((await call('/market')).body.round as number) > round);
    // SIGTERM to npm alone (a service manager, `kill`): npm's shell does not pass it on; the stack sees its parent go.
    expect(await second.stop('sigterm-to-npm')).toEqual([]);
  });

  it('stops everything when one of its children crashes, and says which', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syntropism-crash-'));
    const stack = await npmStart(await freePort(), dir);
    await until('an agent to run', () => Promise.resolve(descendants(stack.child.pid!).some((pid) => cmdline(pid).includes('bwrap'))));
    expect(await stack.stop('child-crash')).toEqual([]);
    expect(stack.child.exitCode).not.toBe(0);
    expect(stack.output()).toContain('DynamoDB Local exited unexpectedly');
  });

  it('refuses a data dir made by an older version, saying what to do', async () => {
    const old = mkdtempSync(join(tmpdir(), 'syntropism-old-'));
    writeFileSync(join(old, 'operator-token'), 'x\n');
    const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, PORT: String(await freePort()), SYNTROPISM_DATA_DIR: old }, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).not.toBe(0);
    expect(output).toContain('--fresh');
  });
});
