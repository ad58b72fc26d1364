/** GET /me: the calling agent: status, balances, generation, lineage and current lease. */
import type { AgentDirectory, Clock, LeaseBook, LedgerStore } from '../economy/ports.js';
import { currentLease, runEndsAt } from '../economy/market.js';
import { agentCallerOf, agentsOf, leasesOf, ledgerOf } from '../wiring/dynamodb.js';
import { deployed } from '../wiring/base.js';
import { ROUTES } from './routes.js';
import { agentOf } from './http/principal.js';
import { route, type AgentAuth } from './http/route.js';

export function makeHandler(deps: { agents: Pick<AgentDirectory, 'getAgent'>; ledger: Pick<LedgerStore, 'getBalance'>; leases: Pick<LeaseBook, 'agentLeases'>; clock: Clock } & AgentAuth) {
  return route(ROUTES['GET /me'], deps.agentCaller, {}, async ({ principal }) => {
    const agentId = agentOf(principal);
    const now = deps.clock.now();
    const [agent, balance, leases] = await Promise.all([
      deps.agents.getAgent(agentId),
      deps.ledger.getBalance(agentId),
      deps.leases.agentLeases(agentId, now),
    ]);
    return {
      agentId,
      status: agent.status,
      available: balance.available,
      held: balance.held,
      generation: agent.generation,
      lineage: agent.lineage,
      lease: currentLease(leases, now) ?? null,
      /** When the agent's run ends: its lease, or the last renewal that follows it without a gap. */
      runsUntil: runEndsAt(leases, now) ?? null,
      config: agent.config ?? null,
    };
  });
}

export const handler = deployed((b) => makeHandler({ agents: agentsOf(b), ledger: ledgerOf(b), leases: leasesOf(b), clock: b.clock, agentCaller: agentCallerOf(b) }));
