/**
 * The agent loop: calls the workspace's `step(ctx)` again and again until told to stop. A step
 * that throws is logged and the loop goes on after a pause, so one bad step does not end a lease.
 */
import type { AgentApi } from './client.js';

export interface StepContext {
  /** The typed API client, authenticated as this agent. */
  api: AgentApi;
  agentId: string;
  /** The agent's own state: kept in the workspace as state.json, saved after every step. */
  state: Record<string, unknown>;
  /** The workspace directory: the agent's code and files; it persists between leases. */
  workspace: string;
  /** Sleeps, waking early if the lease is ending. */
  sleep(ms: number): Promise<void>;
  /** One LLM call through the gateway (metered against the token bucket). */
  llm(prompt: string, maxTokens?: number): Promise<{ text: string; provider: string }>;
  /** The lease being run now; `endsAt` is when the run ends (renewals included). */
  lease(): { leaseId: string; endsAt: number };
  log(...args: unknown[]): void;
  /** True once the agent has been asked to stop. */
  stopping(): boolean;
}

export type Step = (ctx: StepContext) => Promise<void> | void;

export function interruptibleSleep(signal: AbortSignal) {
  return (ms: number) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
}

export async function runLoop(step: Step, ctx: StepContext, signal: AbortSignal, afterStep: () => Promise<void>): Promise<number> {
  let steps = 0;
  while (!signal.aborted) {
    try {
      await step(ctx);
      steps += 1;
    } catch (err) {
      ctx.log('step failed:', err instanceof Error ? err.message : err);
      await ctx.sleep(1000);
    }
    await afterStep();
    // Yield to timers and signals even if a step never awaits anything.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return steps;
}
