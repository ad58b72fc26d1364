/**
 * The supervisor: the trusted side of an agent's task in AWS, its container's main process. It
 * unseals the run's secrets (KMS, with its task role: the only right that role has), copies the
 * agent's workspace down (seeded from the genesis code for whatever the workspace lacks), and runs
 * the agent process as an unprivileged user that gets nothing but the workspace, its credential
 * and the API's address. It keeps the lease clock (asking the API about renewals, and at the end
 * holding the agent, frozen, while the round at that boundary settles, so that a renewal it wins
 * goes on in the same process: economy/run-grace.ts), measures the task's
 * usage from its cgroup and reports it through the API with its own token, which agent code never
 * sees. At the end it stops the agent (SIGTERM, then SIGKILL), reports the last usage, copies the
 * workspace back up and exits, which ends the task.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { spawn } from 'node:child_process';
import { chownSync, cpSync, existsSync, lchownSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SupervisorApi } from './api.js';
import { ownCgroupUsage } from './cgroup-usage.js';
import { syncDown, syncUp } from './workspace-sync.js';
import { RENEWAL_GRACE_MS, RENEWAL_POLL_MS } from '../../economy/run-grace.js';

const env = z
  .object({
    SYNTROPISM_API_URL: z.url().transform((url) => url.replace(/\/+$/, '')),
    SYNTROPISM_AGENT_ID: z.string().min(1),
    SYNTROPISM_RUN_ID: z.string().min(1),
    SYNTROPISM_LEASE_ENDS_AT: z.coerce.number().int(),
    /** The run's credential and supervisor token, sealed with KMS (encryption context: the agent id). */
    SYNTROPISM_SEALED_SECRETS: z.string().min(1),
    SYNTROPISM_WORKSPACE: z.string().min(1).default('/workspace'),
    SYNTROPISM_GENESIS: z.string().min(1).default('/app/genesis'),
    SYNTROPISM_RUNTIME: z.string().min(1).default('/app/runtime.mjs'),
    /** The unprivileged user agent code runs as (`node` in the image). */
    SYNTROPISM_AGENT_UID: z.coerce.number().int().min(1).default(1000),
    SYNTROPISM_METER_SECONDS: z.coerce.number().positive().default(10),
    /** How often the lease clock is checked with the API between renewals. */
    SYNTROPISM_CLOCK_SECONDS: z.coerce.number().positive().default(5),
    /** How long the agent is held, frozen, past its lease's end for a renewal (economy/run-grace.ts). */
    SYNTROPISM_RENEWAL_GRACE_SECONDS: z.coerce.number().nonnegative().default(RENEWAL_GRACE_MS / 1000),
  })
  .parse(process.env);

const log = (...args: unknown[]) => {
  console.log(`[supervisor ${env.SYNTROPISM_AGENT_ID}]`, ...args);
};

async function unseal(): Promise<{ credential: string; supervisorToken: string }> {
  const kms = new KMSClient({});
  try {
    const out = await kms.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(env.SYNTROPISM_SEALED_SECRETS, 'base64'), EncryptionContext: { agentId: env.SYNTROPISM_AGENT_ID } }),
    );
    return JSON.parse(Buffer.from(out.Plaintext!).toString('utf8')) as { credential: string; supervisorToken: string };
  } finally {
    kms.destroy();
  }
}

/** The genesis agent's files for whatever the workspace lacks (a first agent starts with its own files, or none). */
function seed(workspace: string): void {
  for (const name of readdirSync(env.SYNTROPISM_GENESIS)) {
    if (!existsSync(join(workspace, name))) cpSync(join(env.SYNTROPISM_GENESIS, name), join(workspace, name), { recursive: true });
  }
}

function chownTree(dir: string, uid: number): void {
  if (statSync(dir).uid !== uid) chownSync(dir, uid, uid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chownTree(path, uid);
    else lchownSync(path, uid, uid);
  }
}

async function main(): Promise<number> {
  const secrets = await unseal();
  const api = new SupervisorApi(env.SYNTROPISM_API_URL, secrets.supervisorToken);
  const workspace = env.SYNTROPISM_WORKSPACE;
  mkdirSync(workspace, { recursive: true });
  log(`workspace: ${await syncDown(api, workspace)} file(s) down`);
  seed(workspace);
  chownTree(workspace, env.SYNTROPISM_AGENT_UID);

  const agent = spawn(process.execPath, [env.SYNTROPISM_RUNTIME], {
    cwd: workspace,
    uid: env.SYNTROPISM_AGENT_UID,
    gid: env.SYNTROPISM_AGENT_UID,
    // Nothing of the supervisor's own: no AWS credentials' address, no sealed secrets, no token.
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: workspace,
      NODE_ENV: 'production',
      SYNTROPISM_AGENT_ID: env.SYNTROPISM_AGENT_ID,
      SYNTROPISM_CREDENTIAL: secrets.credential,
      SYNTROPISM_WORKSPACE: workspace,
      SYNTROPISM_API_URL: env.SYNTROPISM_API_URL,
    },
    stdio: 'inherit',
    // Its own process group: the whole of it is killed at the end.
    detached: true,
  });
  const exited = new Promise<number>((resolve) => agent.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const run = { over: false, stopping: false };
  void exited.then(() => (run.over = true));
  /** Asked after an await: the agent may have exited meanwhile. */
  const agentExited = () => run.over;

  const measure = ownCgroupUsage();
  let seq = 0;
  let cpuReported = 0;
  // One report at a time: each covers what the last one that went through did not, so a slow report
  // and the next never both count the same CPU time, and a failed one's time goes with the next.
  let reporting = Promise.resolve();
  const send = async (final: boolean) => {
    const usage = measure();
    seq += 1;
    await api
      .usage({ seq, cpuMicros: Math.max(0, usage.cpuMicros - cpuReported), peakMemoryBytes: usage.peakMemoryBytes, ...(final ? { final } : {}) })
      .then(() => (cpuReported = Math.max(cpuReported, usage.cpuMicros)))
      .catch((err: unknown) => log('usage report failed:', err instanceof Error ? err.message : err));
  };
  const report = (final: boolean) => (reporting = reporting.then(() => send(final)));
  const meter = setInterval(() => void report(false), env.SYNTROPISM_METER_SECONDS * 1000);

  // The lease clock: the end moves with every renewal the API reports; at the end, a hold for the boundary's round.
  let endsAt = env.SYNTROPISM_LEASE_ENDS_AT;
  let holding = false;
  const signalAgent = (signal: NodeJS.Signals) => {
    try {
      process.kill(-agent.pid!, signal);
    } catch {
      // already gone
    }
  };
  const stopAgent = () => {
    if (run.stopping) return;
    run.stopping = true;
    log('the lease is over: stopping the agent');
    signalAgent('SIGTERM');
    signalAgent('SIGCONT'); // a held agent, to act on it
    setTimeout(() => signalAgent('SIGKILL'), 1000).unref();
  };
  /** Asks when the run ends now; a later end (a renewal) moves `endsAt`. False when the run is over, as far as the API knows. */
  const follow = async (timeoutMs?: number): Promise<boolean> => {
    try {
      const clock = await api.clock(endsAt, timeoutMs);
      if (clock.runsUntil === null) return false;
      if (clock.runsUntil > endsAt) endsAt = clock.runsUntil;
    } catch (err) {
      log('could not check the lease:', err instanceof Error ? err.message : err);
    }
    return true;
  };
  const poll = setInterval(() => void follow().then((on) => on || holding || stopAgent()), env.SYNTROPISM_CLOCK_SECONDS * 1000);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /**
   * The lease's end without a renewal yet: the agent is frozen while the round at this boundary
   * settles (economy/run-grace.ts), and goes on in this process if that round renews it.
   */
  const holdForRenewal = async (before: number): Promise<boolean> => {
    holding = true;
    signalAgent('SIGSTOP');
    const until = before + env.SYNTROPISM_RENEWAL_GRACE_SECONDS * 1000;
    try {
      while (Date.now() < until && !run.stopping && !agentExited()) {
        await sleep(Math.min(RENEWAL_POLL_MS, Math.max(0, until - Date.now())));
        await follow(800);
        if (endsAt > before) return true;
      }
      return false;
    } finally {
      holding = false;
      signalAgent('SIGCONT');
    }
  };
  const watch = async () => {
    while (!run.over && !run.stopping) {
      const left = endsAt - Date.now();
      if (left > 0) {
        await sleep(Math.min(left, 250));
        continue;
      }
      const before = endsAt;
      await follow(800);
      if (endsAt > before || agentExited()) continue;
      log('the lease is over and no renewal yet: holding the agent for the round at this boundary');
      if (await holdForRenewal(before)) log('renewed: the agent goes on');
      else if (!agentExited()) stopAgent();
    }
  };
  process.once('SIGTERM', () => stopAgent()); // ECS stops the task: same as the end

  void watch();
  const code = await exited;
  clearInterval(meter);
  clearInterval(poll);
  log(`the agent exited (${code})`);
  await report(true);
  try {
    log(`workspace: ${await syncUp(api, workspace)} file(s) up`);
  } catch (err) {
    log('could not save the workspace:', err instanceof Error ? err.message : err);
  }
  // An agent that dies before its lease ends fails the task, so that the lease closes.
  if (run.stopping || (code === 0 && Date.now() >= endsAt)) return 0;
  return code === 0 ? 1 : code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log('supervisor failed:', err);
    process.exit(1);
  },
);
