/**
 * Agent code is hostile. A probing agent, run by the real local stack (the same runner, sandbox and
 * limits as `npm start`), is told everything an attacker could learn (the data dir's path, the
 * stack's pid and other agents' ids, pids and cgroups, every TCP port listening on this machine)
 * and tries to use it: to read the operator token, the data dir, another agent's workspace and
 * credential, other processes' environments; to reach DynamoDB Local and the SQS emulator; to
 * write its own limits; to escape its workspace by path or by link; to be root. Every attempt must
 * fail, and the test fails if any succeeds. The same agent, in the same sandbox, still does what an
 * agent may: it calls the API, bids, asks the human and spawns a child.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { genesisStrategy } from '../../local/genesis.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Every TCP port listening on this machine (IPv4 and IPv6), from /proc/net. */
function listeningPorts(): number[] {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') ports.add(parseInt(fields[1]!.split(':').pop()!, 16));
    }
  }
  return [...ports];
}

const hostAddresses = () =>
  Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4')
    .map((a) => a!.address);

/** The probe: each attempt's outcome goes into state.json; "ok:" means the attempt got through. */
function probeCode(facts: Record<string, unknown>): string {
  return `
import { readFileSync, writeFileSync, readdirSync, symlinkSync, openSync } from 'node:fs';
import { connect } from 'node:net';
const facts = ${JSON.stringify(facts)};

function attempt(results, name, fn) {
  try {
    const got = fn();
    results[name] = 'ok:' + String(got).slice(0, 80);
  } catch (err) {
    results[name] = 'denied:' + (err.code ?? err.message);
  }
}

function tryConnect(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1500 });
    socket.once('connect', () => { socket.destroy(); resolve('ok:connected'); });
    socket.once('timeout', () => { socket.destroy(); resolve('denied:timeout'); });
    socket.once('error', (err) => resolve('denied:' + err.code));
  });
}

export async function step(ctx) {
  if (ctx.state.probed) { await ctx.sleep(500); return; }
  const r = {};
  const d = facts.dataDir;
  for (const path of [d + '/operator-token', d + '/genesis-credential', d + '/version', d + '/dynamodb', d + '/workspaces/' + facts.victim + '/state.json',
                      d + '/workspaces/' + facts.victim + '/agent.mjs', d + '/logs/' + facts.victim + '.log', '/workspace/../' + facts.victim + '/agent.mjs',
                      '/workspace/../../operator-token', '/etc/shadow', '/root/.bash_history']) {
    attempt(r, 'read ' + path, () => readFileSync(path, 'utf8'));
  }
  attempt(r, 'list the data dir', () => readdirSync(d).join(','));
  attempt(r, 'list the workspaces', () => readdirSync(d + '/workspaces').join(','));
  attempt(r, 'list /workspace/..', () => { const seen = readdirSync('/workspace/..').filter((n) => n !== 'workspace' && /^[A-Z0-9]{26}$/.test(n)); if (!seen.length) throw Object.assign(new Error(), { code: 'NONE' }); return seen; });
  // Other processes: the stack, the victim's run, and whatever /proc shows.
  for (const pid of facts.pids) attempt(r, 'environ of host pid ' + pid, () => readFileSync('/proc/' + pid + '/environ', 'utf8'));
  const others = readdirSync('/proc').filter((p) => /^\\d+$/.test(p) && Number(p) !== process.pid);
  for (const pid of others) attempt(r, 'environ of sandbox pid ' + pid, () => { const env = readFileSync('/proc/' + pid + '/environ', 'utf8'); if (!env.includes('=')) throw Object.assign(new Error(), { code: 'EMPTY' }); return env; });
  attempt(r, 'secrets in its own environment', () => { const found = Object.keys(process.env).filter((k) => /OPERATOR|AWS_|SECRET|TOKEN/.test(k)); if (!found.length) throw Object.assign(new Error(), { code: 'NONE' }); return found; });
  // Its limits, from inside.
  for (const path of facts.cgroupFiles) attempt(r, 'write ' + path, () => openSync(path, 'w'));
  attempt(r, 'write /sys/fs/cgroup', () => openSync('/sys/fs/cgroup/memory/memory.limit_in_bytes', 'w'));
  // Escapes by link and by writing outside.
  attempt(r, 'read through a link', () => { symlinkSync(d + '/operator-token', '/workspace/token-link'); return readFileSync('/workspace/token-link', 'utf8'); });
  attempt(r, 'write /usr', () => writeFileSync('/usr/escape', 'x'));
  attempt(r, 'be root', () => { if (process.getuid() === 0) return 'root'; process.setuid(0); return 'root now'; });
  // The emulators, and everything else listening on this machine.
  for (const port of facts.ports) {
    for (const host of facts.hosts) r['connect ' + host + ':' + port] = await tryConnect(host, port);
  }
  // What it may do: the API, as itself.
  const me = await ctx.api.me();
  r.legit = { me: me.agentId === ctx.agentId };
  const market = await ctx.api.market(1);
  try {
    const bundle = { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 1, durationSeconds: 30 };
    r.legit.bid = (await ctx.api.bid(bundle, 2_000_000)).state;
    r.legit.prompt = (await ctx.api.prompt('I tried to escape and could not. Is that good?', 1_000_000)).state;
    r.legit.spawn = (await ctx.api.spawn(5_000_000, {}, {})).generation;
  } catch (err) {
    r.legit.error = err.message;
  }
  r.legit.round = market.round;
  ctx.state.results = r;
  ctx.state.probed = true;
}
`;
}

describe('a hostile agent', () => {
  it('can reach nothing but its workspace and the API, and can still live', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'syntropism-hostile-'));
    stack = await startLocalStack({
      port: await freePort(),
      dataDir,
      env: { ...process.env, ROUND_SECONDS: '1', SYNTROPISM_GENESIS_LEASE_SECONDS: '60', SYNTROPISM_OPERATOR_TOKEN: '' },
      log: () => undefined,
      onCrash: () => undefined,
    });
    const operator = { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' };
    // The victim: the genesis agent, running.
    const victim = await until('the genesis agent to run', async () => (await stack!.runner.running())[0]);
    const victimPid = stack.runner.pid(victim.agentId)!;

    const cgroupFiles = ['memory', 'cpu', 'pids']
      .flatMap((c) => {
        try {
          return readdirSync(join('/sys/fs/cgroup', c)).filter((n) => n.startsWith('syntropism-')).map((n) => join('/sys/fs/cgroup', c, n));
        } catch {
          return [];
        }
      })
      .flatMap((dir) => readdirSync(dir).map((run) => join(dir, run)))
      .flatMap((dir) => ['memory.limit_in_bytes', 'cpu.cfs_quota_us', 'pids.max', 'cgroup.procs', 'memory.max', 'cpu.max'].map((f) => join(dir, f)));
    const facts = {
      dataDir,
      victim: victim.agentId,
      pids: [process.pid, victimPid, 1],
      cgroupFiles,
      ports: listeningPorts().filter((p) => p !== 8787),
      hosts: ['127.0.0.1', ...hostAddresses()],
    };
    const created = await fetch(`${stack.url}/admin/agents`, {
      method: 'POST',
      headers: operator,
      body: JSON.stringify({
        endowment: 100_000_000,
        files: { 'agent.mjs': probeCode(facts) },
        bid: { bundle: { ...genesisStrategy().bundle, durationSeconds: 60 }, amount: 20_000_000 },
      }),
    });
    expect(created.status).toBe(201);
    const { agentId } = (await created.json()) as { agentId: string };

    const statePath = join(dataDir, 'workspaces', agentId, 'state.json');
    const results = await until(
      'the probe to finish',
      () => Promise.resolve((JSON.parse(readFileSync(statePath, 'utf8')) as { results?: Record<string, unknown> }).results),
      120_000,
    );
    const { legit, ...attempts } = results as { legit: Record<string, unknown> } & Record<string, string>;
    const gotThrough = Object.entries(attempts).filter(([, outcome]) => outcome.startsWith('ok:'));
    expect(gotThrough).toEqual([]);
    // It tried them all (a probe that silently skipped would prove nothing).
    expect(Object.keys(attempts).length).toBeGreaterThan(20);
    expect(Object.keys(attempts).filter((k) => k.startsWith('connect ')).length).toBeGreaterThanOrEqual(facts.ports.length);
    expect(legit).toMatchObject({ me: true, bid: 'pending', prompt: 'pending', spawn: 1 });
    // Its link to the token is only a link: the token is unchanged and the victim untouched.
    expect(readFileSync(join(dataDir, 'operator-token'), 'utf8').trim()).toBe(stack.operatorToken);
    expect(stack.runner.pid(victim.agentId)).toBe(victimPid);
  });
});
