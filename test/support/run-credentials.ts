/**
 * Run credentials kept in memory, for tests of the launcher's decisions (the DynamoDB store is
 * tested against DynamoDB Local in test/integration/run-credentials.test.ts). It records each
 * call and refuses what the real store refuses: extending or revoking a run that is not current.
 */
import type { RunCredentials, RunOf, RunSecrets } from '../../economy/ports.js';

export class MemoryRunCredentials implements RunCredentials {
  readonly runs = new Map<string, { runId: string; credential: string; expiresAt: number }>();
  readonly calls: string[] = [];
  private next = 0;

  issue(agentId: string, expiresAt: number): Promise<RunSecrets> {
    this.next += 1;
    const run = { runId: `run-${this.next}`, credential: `credential-${this.next}`, expiresAt };
    this.runs.set(agentId, run);
    this.calls.push(`issue ${agentId} ${run.runId} until ${expiresAt}`);
    return Promise.resolve({ runId: run.runId, credential: run.credential, supervisorToken: `supervisor-${this.next}` });
  }

  liveRun(agentId: string, now: number): Promise<string | undefined> {
    const run = this.runs.get(agentId);
    return Promise.resolve(run && run.expiresAt > now ? run.runId : undefined);
  }

  runOfSupervisor(): Promise<RunOf | undefined> {
    return Promise.resolve(undefined);
  }

  extend(agentId: string, runId: string, expiresAt: number): Promise<void> {
    const run = this.runs.get(agentId);
    if (run?.runId !== runId) return Promise.reject(new Error(`run ${runId} of ${agentId} is over`));
    run.expiresAt = Math.max(run.expiresAt, expiresAt);
    this.calls.push(`extend ${agentId} ${runId} until ${expiresAt}`);
    return Promise.resolve();
  }

  revoke(agentId: string, runId: string): Promise<void> {
    if (this.runs.get(agentId)?.runId === runId) this.runs.delete(agentId);
    this.calls.push(`revoke ${agentId} ${runId}`);
    return Promise.resolve();
  }

  /** Whether `credential` works at `now`. */
  valid(credential: string, now: number): boolean {
    return [...this.runs.values()].some((r) => r.credential === credential && r.expiresAt > now);
  }
}
