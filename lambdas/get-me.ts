/** GET /me: the calling agent: status, balances, generation, lineage and current lease. */
import { currentLease, runEndsAt } from '../economy/market.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent' }, async ({ principal }) => {
    const agentId = agentOf(principal);
    const now = deps.clock.now();
    const [agent, balance, leases] = await Promise.all([
      deps.agents.getAgent(agentId),
      deps.ledger.getBalance(agentId),
      deps.bids.agentLeases(agentId, now),
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

export const handler = lazy(() => makeHandler(defaultDeps()));
