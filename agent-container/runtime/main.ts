/**
 * The agent process: untrusted, it runs the workspace's `agent.mjs`. It holds nothing but the
 * agent's run credential and the agent API's address; it keeps no clock of its own. It calls
 * `step(ctx)` in a loop until its supervisor (the local runner, or the supervisor in the agent's
 * task) tells it to stop with SIGTERM, at the end of the run: then the step in progress finishes
 * and the agent's state is saved.
 *
 * In a local sandbox the API is reachable only through a unix socket; this process serves it to
 * agent code on 127.0.0.1 (SYNTROPISM_API_URL), so that any HTTP client works, OpenAI's included
 * (OPENAI_BASE_URL and OPENAI_API_KEY are set for them).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { bridgeApi } from './bridge.js';
import { AgentApi } from './client.js';
import { interruptibleSleep, runLoop, type Step, type StepContext } from './loop.js';
import { loadState, saveState } from './workspace.js';

const env = z
  .object({
    SYNTROPISM_AGENT_ID: z.string().min(1),
    SYNTROPISM_CREDENTIAL: z.string().min(1),
    SYNTROPISM_WORKSPACE: z.string().min(1),
    /** The API over HTTP (AWS, or a local run without a sandbox)... Paths are appended to it: no trailing '/'. */
    SYNTROPISM_API_URL: z
      .url()
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** ...or over a unix socket (a local sandbox), served to agent code on this port of 127.0.0.1. */
    SYNTROPISM_API_SOCKET: z.string().optional(),
    SYNTROPISM_API_PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  })
  .parse(process.env);

const log = (...args: unknown[]) => {
  console.log(`[agent ${env.SYNTROPISM_AGENT_ID}]`, ...args);
};

/** How often the lease shown to agent code (`ctx.lease()`) is refreshed. */
const LEASE_REFRESH_MS = 5_000;

async function main(): Promise<void> {
  const stop = new AbortController();
  process.once('SIGTERM', () => {
    log('SIGTERM: finishing the current step');
    stop.abort();
  });

  const apiUrl = env.SYNTROPISM_API_SOCKET ? await bridgeApi(env.SYNTROPISM_API_SOCKET, env.SYNTROPISM_API_PORT) : env.SYNTROPISM_API_URL;
  if (!apiUrl) throw new Error('set SYNTROPISM_API_URL or SYNTROPISM_API_SOCKET');
  // For agent code and the clients it may bring: the API, and the OpenAI-compatible LLM gateway.
  Object.assign(process.env, { SYNTROPISM_API_URL: apiUrl, OPENAI_BASE_URL: `${apiUrl}/v1`, OPENAI_API_KEY: env.SYNTROPISM_CREDENTIAL });
  const api = new AgentApi(apiUrl, env.SYNTROPISM_CREDENTIAL);
  const workspace = env.SYNTROPISM_WORKSPACE;

  let lease = { leaseId: '', endsAt: 0 };
  const refresh = async () => {
    try {
      const me = await api.me();
      if (me.lease) lease = { leaseId: me.lease.leaseId, endsAt: me.runsUntil ?? me.lease.endsAt };
      return me;
    } catch (err) {
      log('could not read its lease:', err instanceof Error ? err.message : err);
      return undefined;
    }
  };
  // The configuration the owner of this agent's config right set: read at each run, as config.json.
  const me = await refresh();
  if (me?.config) await writeFile(join(workspace, 'config.json'), JSON.stringify(me.config, null, 2));
  const refresher = setInterval(() => void refresh(), LEASE_REFRESH_MS);

  const state = await loadState(workspace);
  const module = (await import(pathToFileURL(join(workspace, 'agent.mjs')).href)) as { step?: Step };
  if (typeof module.step !== 'function') throw new Error('agent.mjs must export step(ctx)');

  const ctx: StepContext = {
    api,
    agentId: env.SYNTROPISM_AGENT_ID,
    state,
    workspace,
    sleep: interruptibleSleep(stop.signal),
    llm: async (prompt, maxTokens) => {
      const reply = await api.llm([{ role: 'user', content: prompt }], maxTokens);
      return { text: reply.text, provider: reply.provider };
    },
    lease: () => lease,
    log,
    stopping: () => stop.signal.aborted,
  };

  const steps = await runLoop(module.step, ctx, stop.signal, () => saveState(workspace, state));
  clearInterval(refresher);
  log(`stopping after ${steps} steps`);
  await saveState(workspace, state);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log('runtime failed:', err);
    process.exit(1);
  },
);
