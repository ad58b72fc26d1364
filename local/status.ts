/** The live status line of `npm start`: round, agents, circulation, prices, how much is in use, trouble. */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Resource } from '../economy/resources.js';
import type { Runner } from '../economy/ports.js';
import type { Deps } from '../wiring/deps.js';

export async function statusLine(deps: Deps, runner: Runner, queues: SQSClient, dlqUrl: string, warning?: string): Promise<string> {
  const [state, history, agents, audit, running, dlq] = await Promise.all([
    deps.rounds.state(),
    deps.rounds.history(1),
    deps.agents.listAgents(1000),
    deps.ledger.audit(),
    runner.running(),
    queues.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] })),
  ]);
  const last = history[0]?.outcome?.resources;
  const price = (r: Resource) => {
    const p = last?.[r].marketPrice;
    return p === null || p === undefined ? '–' : (p / 1e12).toExponential(1);
  };
  const util = (r: Resource) => `${Math.round((last?.[r].occupancy ?? 0) * 100)}%`;
  const dead = Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0);
  return (
    `${warning ? `${warning} · ` : ''}round ${state?.lastRound ?? 0} · agents ${agents.filter((a) => a.status === 'alive').length} alive, ${running.length} running · ` +
    `circulating ${(audit.circulating / 1_000_000).toFixed(2)} cr${audit.ok ? '' : ` · AUDIT DRIFT ${audit.drift}`} · ` +
    `price cr/unit vcpu ${price('vcpu')} mem ${price('memoryMiB')} tok ${price('tokens')} attn ${price('attention')} · ` +
    `use vcpu ${util('vcpu')} mem ${util('memoryMiB')} tok ${util('tokens')} attn ${util('attention')}${dead ? ` · ${dead} metering message(s) in the DLQ` : ''}`
  );
}
