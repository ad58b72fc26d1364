/** What the human's page shows, gathered from the ports. */
import type { Prompt } from '../../economy/attention.js';
import type { AuditRecord, JournalEntry } from '../../economy/ledger.js';
import { addSpend, noSpend, type LlmModel, type LlmPrices, type LlmSpend } from '../../economy/llm.js';
import { currentLease, type Agent, type Lease } from '../../economy/market.js';
import { RESOURCES, type Resource } from '../../economy/resources.js';
import type { Config } from '../../economy/config.js';
import type { AgentDirectory, AuditLog, Clock, LeaseBook, LedgerStore, LlmLedger, PromptBook, RoundLog } from '../../economy/ports.js';

export interface AgentRow extends Agent {
  available: number;
  held: number;
  lease: Lease | null;
  /** What its LLM calls have cost, in all. */
  llm: LlmSpend;
}

export interface RoundPoint {
  round: number;
  volume: number;
  utilisation: Record<Resource, number>;
  reserve: Record<Resource, number>;
  marketPrice: Record<Resource, number | null>;
  /** What the round's LLM calls cost (nano-dollars). */
  llmCost: number;
}

export interface Dashboard {
  round: number;
  /** The last scheduled audit; undefined before the first. */
  audit: AuditRecord | undefined;
  prompts: Prompt[];
  agents: AgentRow[];
  rounds: RoundPoint[];
  journal: JournalEntry[];
  /** The LLM budget: who serves it, its prices, and what the shown rounds spent. */
  llm: { provider: string; model: string; prices: LlmPrices; spent: LlmSpend };
}

export interface DashboardDeps {
  rounds: Pick<RoundLog, 'state' | 'history'>;
  ledger: Pick<LedgerStore, 'getBalance' | 'journal'>;
  audits: Pick<AuditLog, 'last'>;
  prompts: Pick<PromptBook, 'pendingPrompts'>;
  agents: Pick<AgentDirectory, 'listAgents'>;
  leases: Pick<LeaseBook, 'activeLeases'>;
  llmLedger: Pick<LlmLedger, 'spendByAgent' | 'spendByRound'>;
  llm: LlmModel;
  clock: Clock;
  config: Pick<Config, 'llm'>;
}

export async function loadDashboard(deps: DashboardDeps): Promise<Dashboard> {
  const now = deps.clock.now();
  const [state, audit, prompts, agents, history, leases] = await Promise.all([
    deps.rounds.state(),
    deps.audits.last(),
    deps.prompts.pendingPrompts(100),
    deps.agents.listAgents(500),
    deps.rounds.history(60),
    deps.leases.activeLeases(now),
  ]);
  const [byAgent, byRound] = await Promise.all([deps.llmLedger.spendByAgent(agents.map((a) => a.agentId)), deps.llmLedger.spendByRound(history.map((r) => r.round))]);
  const rows = await Promise.all(
    agents.map(async (agent): Promise<AgentRow> => {
      const balance = await deps.ledger.getBalance(agent.agentId).catch(() => ({ available: 0, held: 0 }));
      const lease = currentLease(leases.filter((l) => l.agentId === agent.agentId), now) ?? null;
      return { ...agent, available: balance.available, held: balance.held, lease, llm: byAgent.get(agent.agentId) ?? noSpend() };
    }),
  );
  const journals = await Promise.all(agents.slice(-50).map((a) => deps.ledger.journal(a.agentId, { limit: 10 })));
  const seen = new Set<string>();
  const journal = journals
    .flatMap((page) => page.items)
    .filter((e) => !seen.has(e.entryId) && seen.add(e.entryId))
    .sort((a, b) => b.at - a.at || (a.entryId < b.entryId ? 1 : -1))
    .slice(0, 25);
  const rounds = history
    .filter((r) => r.outcome)
    .reverse()
    .map((r) => {
      const res = r.outcome!.resources;
      const pick = <T>(f: (r: Resource) => T) => Object.fromEntries(RESOURCES.map((name) => [name, f(name)])) as Record<Resource, T>;
      return {
        round: r.round,
        volume: r.outcome!.volume,
        utilisation: pick((n) => res[n].utilisation),
        reserve: pick((n) => res[n].reserve),
        marketPrice: pick((n) => res[n].marketPrice),
        llmCost: byRound.get(r.round)?.cost ?? 0,
      };
    });
  const spent = [...byRound.values()].reduce(addSpend, noSpend());
  return {
    round: state?.lastRound ?? 0,
    audit,
    prompts,
    agents: rows,
    rounds,
    journal,
    llm: { provider: deps.llm.name, model: deps.llm.model, prices: deps.config.llm.prices, spent },
  };
}
