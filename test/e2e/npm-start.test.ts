/**
 * The main job, end to end: `npm start` in a temporary data dir on a free port. The genesis agent
 * wins a lease and runs as a process, bids again by itself and asks the human something; the test
 * rewards the prompt over HTTP and sees the balance rise; the audit holds; after SIGINT no child
 * process is left; started again on the same data dir, the same economy goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';

const root = new URL('../..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'syntropism-start-'));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
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

async function npmStart(port: number): Promise<{ child: ChildProcess; output: () => string; stop: () => Promise<string[]> }> {
  let output = '';
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      SYNTROPISM_DATA_DIR: dataDir,
      ROUND_SECONDS: '2',
      SYNTROPISM_GENESIS_FIRST_LEASE_SECONDS: '12',
      SYNTROPISM_OPERATOR_TOKEN: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until('npm start to be ready', () => Promise.resolve(output.includes('Syntropism is running.')), 120_000);
  return {
    child,
    output: () => output,
    stop: async () => {
      const family = descendants(child.pid!);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Ctrl-C in a terminal signals npm and the stack alike.
      for (const pid of [child.pid!, ...family]) if (alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('local/start.ts')) process.kill(pid, 'SIGINT');
      child.kill('SIGINT');
      await exited;
      await sleep(500);
      return family.filter(alive).map((pid) => {
        try {
          return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)}`;
        } catch {
          return `${pid} (gone)`;
        }
      });
    },
  };
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

    const leftovers = await first.stop();
    expect(leftovers).toEqual([]);

    // Again on the same data dir: the same agent, its money, and the rounds go on.
    const second = await npmStart(port);
    expect(second.output()).not.toContain(token);
    const again = (await call('/me')).body;
    expect(again.agentId).toBe(agentId);
    expect(again.available + again.held).toBeGreaterThan(0);
    expect((await call('/admin/audit', { auth: token })).body).toMatchObject({ ok: true, minted: audit.minted });
    await until('the next round', async () => ((await call('/market')).body.round as number) > round);
    expect(await second.stop()).toEqual([]);
  });
});
