/**
 * ECS task state changes (EventBridge): when an agent's task has stopped, its run's secrets stop
 * working (the supervisor used its token up to then, for its last report and the workspace upload).
 * When it stopped before its lease ended (out of memory, a crash), the lease is closed too, so its
 * vCPU and memory return to the market. A task we stopped ourselves (a lease over, a run replaced
 * by one of another size), one whose supervisor ended it at the lease's end (exit code 0), or one
 * that stopped after its lease, closes nothing.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { OWN_STOP_REASON } from '../adapters/ecs/ecs-runner.js';
import { onRunExit } from '../economy/launcher.js';
import type { ExitReason, LeaseBook, RunCredentials } from '../economy/ports.js';
import { deployed } from '../wiring/base.js';
import { leasesOf, runCredentialsOf } from '../wiring/dynamodb.js';

export interface EcsTaskStateChange {
  lastStatus?: string;
  stoppedReason?: string;
  stopCode?: string;
  stoppedAt?: string;
  containers?: { name?: string; reason?: string; exitCode?: number }[];
  overrides?: { containerOverrides?: { environment?: { name?: string; value?: string }[] }[] };
}

export function makeHandler(deps: { leases: LeaseBook; credentials: RunCredentials }) {
  return async (event: EventBridgeEvent<'ECS Task State Change', EcsTaskStateChange>): Promise<{ closed: boolean }> => {
    const detail = event.detail;
    if (detail.lastStatus !== 'STOPPED') return { closed: false };
    const env = new Map((detail.overrides?.containerOverrides ?? []).flatMap((c) => c.environment ?? []).map((e) => [e.name, e.value]));
    const agentId = env.get('SYNTROPISM_AGENT_ID');
    const runId = env.get('SYNTROPISM_RUN_ID');
    const leaseId = env.get('SYNTROPISM_LEASE_ID');
    if (!agentId || !runId || !leaseId) return { closed: false }; // not an agent's task
    const outOfMemory = (detail.containers ?? []).some((c) => /OutOfMemory/i.test(c.reason ?? '')) || detail.stopCode === 'OutOfMemoryError';
    // The supervisor exits 0 when it ended the run itself, at the lease's end (agent-container/supervisor/main.ts);
    // by then the next lease may have begun, in a task of its own, which this exit must leave open.
    const endedByItsSupervisor = !outOfMemory && (detail.containers ?? []).length > 0 && (detail.containers ?? []).every((c) => c.exitCode === 0);
    const reason: ExitReason = detail.stoppedReason?.startsWith(OWN_STOP_REASON) ? 'stopped' : outOfMemory ? 'out-of-memory' : endedByItsSupervisor ? 'lease-ended' : 'crashed';
    const at = Date.parse(detail.stoppedAt ?? event.time);
    await onRunExit(deps, { agentId, runId, leaseId, at, reason, ...(detail.stoppedReason ? { detail: detail.stoppedReason } : {}) });
    const lease = (await deps.leases.agentLeases(agentId, 0)).find((l) => l.leaseId === leaseId);
    return { closed: lease?.closedAt === at };
  };
}

export const handler = deployed((b) => makeHandler({ leases: leasesOf(b), credentials: runCredentialsOf(b) }));
