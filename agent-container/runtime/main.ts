/**
 * The agent runtime's entry point, in a Fargate task or a local child process. It reads its
 * lease from the environment, loads the workspace's `agent.mjs`, runs `step(ctx)` in a loop while
 * the lease lasts (following renewals through GET /me), meters usage at least every 10 s and at
 * exit, and stops gracefully on SIGTERM: the step in progress finishes, state and usage are saved.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { AgentApi } from './client.js';
import { interruptibleSleep, runLoop, type Step, type StepContext } from './loop.js';
import { Meter } from './meter.js';
import { loadState, S3Workspace, saveState } from './workspace.js';

const env = z
  .object({
    SYNTROPISM_API_URL: z.url(),
    SYNTROPISM_AGENT_ID: z.string().min(1),
    SYNTROPISM_LEASE_ID: z.string().min(1),
    SYNTROPISM_LEASE_ENDS_AT: z.coerce.number().int(),
    /** Locally, the run's credential; in AWS a KMS ciphertext of it (never the plain credential in the task's environment). */
    SYNTROPISM_CREDENTIAL: z.string().optional(),
    SYNTROPISM_SEALED_CREDENTIAL: z.string().optional(),
    SYNTROPISM_WORKSPACE: z.string().min(1),
    METERING_QUEUE_URL: z.string().min(1),
    WORKSPACE_BUCKET: z.string().optional(),
    SYNTROPISM_METER_SECONDS: z.coerce.number().positive().default(10),
  })
  .parse(process.env);

async function credential(): Promise<string> {
  if (env.SYNTROPISM_CREDENTIAL) return env.SYNTROPISM_CREDENTIAL;
  if (!env.SYNTROPISM_SEALED_CREDENTIAL) throw new Error('no credential: set SYNTROPISM_CREDENTIAL or SYNTROPISM_SEALED_CREDENTIAL');
  const out = await new KMSClient({}).send(
    new DecryptCommand({
      CiphertextBlob: Buffer.from(env.SYNTROPISM_SEALED_CREDENTIAL, 'base64'),
      EncryptionContext: { agentId: env.SYNTROPISM_AGENT_ID },
    }),
  );
  return Buffer.from(out.Plaintext!).toString('utf8');
}

const log = (...args: unknown[]) => {
  console.log(`[agent ${env.SYNTROPISM_AGENT_ID}]`, ...args);
};

async function main(): Promise<void> {
  const stop = new AbortController();
  process.once('SIGTERM', () => {
    log('SIGTERM: finishing the current step');
    stop.abort();
  });

  const workspace = env.SYNTROPISM_WORKSPACE;
  const s3 = env.WORKSPACE_BUCKET ? new S3Workspace(env.WORKSPACE_BUCKET, env.SYNTROPISM_AGENT_ID, workspace) : undefined;
  await s3?.download();

  const api = new AgentApi(env.SYNTROPISM_API_URL, await credential());
  let lease = { leaseId: env.SYNTROPISM_LEASE_ID, endsAt: env.SYNTROPISM_LEASE_ENDS_AT };
  const meter = new Meter({
    queueUrl: env.METERING_QUEUE_URL,
    agentId: env.SYNTROPISM_AGENT_ID,
    runId: randomUUID().replaceAll('-', '').slice(0, 16),
    leaseId: () => lease.leaseId,
    llmTokensUsed: () => api.llmTokensUsed,
  });

  // The configuration the owner of this agent's config right set: read at each lease, as config.json.
  try {
    const me = await api.me();
    if (me.config) await writeFile(join(workspace, 'config.json'), JSON.stringify(me.config, null, 2));
  } catch (err) {
    log('could not read the configuration:', err instanceof Error ? err.message : err);
  }

  const state = await loadState(workspace);
  const module = (await import(pathToFileURL(join(workspace, 'agent.mjs')).href)) as { step?: Step };
  if (typeof module.step !== 'function') throw new Error('agent.mjs must export step(ctx)');

  const sleep = interruptibleSleep(stop.signal);
  const ctx: StepContext = {
    api,
    agentId: env.SYNTROPISM_AGENT_ID,
    state,
    workspace,
    sleep,
    llm: async (prompt, maxTokens) => {
      const reply = await api.llm([{ role: 'user', content: prompt }], maxTokens);
      return { text: reply.text, provider: reply.provider };
    },
    lease: () => lease,
    log,
    stopping: () => stop.signal.aborted,
  };

  // Every meter period: report usage, and follow the lease (a renewal moves its end and id).
  const tick = async () => {
    try {
      await meter.send();
    } catch (err) {
      log('metering failed (will retry):', err instanceof Error ? err.message : err);
    }
    try {
      const me = await api.me();
      if (me.lease) lease = { leaseId: me.lease.leaseId, endsAt: me.runsUntil ?? me.lease.endsAt };
    } catch (err) {
      log('could not refresh the lease:', err instanceof Error ? err.message : err);
    }
    if (Date.now() >= lease.endsAt) stop.abort();
  };
  const timer = setInterval(() => void tick(), env.SYNTROPISM_METER_SECONDS * 1000);
  const leaseTimer = setInterval(() => {
    if (Date.now() >= lease.endsAt) stop.abort();
  }, 250);

  const steps = await runLoop(module.step, ctx, stop.signal, () => saveState(workspace, state));
  clearInterval(timer);
  clearInterval(leaseTimer);
  log(`stopping after ${steps} steps`);
  await saveState(workspace, state);
  await meter.send(true).catch((err: unknown) => {
    log('final metering report failed:', err instanceof Error ? err.message : err);
  });
  await s3?.upload();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log('runtime failed:', err);
    process.exit(1);
  },
);
