/**
 * Watching the economy live, for the life test and the soak: a scripted human who rewards every
 * prompt through the HTTP API (as the operator would from the human page), and a watcher that
 * samples which process runs each agent, so that at the end every lease boundary can be checked:
 * a renewal that follows its lease without a gap must have kept the same process. The report
 * counts what happened and lists every problem found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lease } from '../economy/market.js';
import type { Deps } from '../wiring/deps.js';
import type { LocalStack } from './stack.js';

/**
 * What the watcher needs of a running economy, whichever runs it (`npm start`'s local stack, or
 * the template's wiring with `--cloud`): its API, the operator token, read access to its tables,
 * and which process runs each running agent (the local runner's, or the Fargate stand-in's).
 */
export interface LifeSubject {
  url: string;
  operatorToken: string;
  deps: Pick<Deps, 'agents' | 'leases' | 'bids' | 'ledger'>;
  /** The process of each running agent, by agent id. */
  processes(): Promise<ReadonlyMap<string, number>>;
}

/** The local stack as the watcher sees it. */
export function localLifeSubject(stack: LocalStack): LifeSubject {
  return {
    url: stack.url,
    operatorToken: stack.operatorToken,
    deps: stack.deps,
    processes: async () =>
      new Map(
        (await stack.runner.running()).flatMap((run) => {
          const pid = stack.runner.pid(run.agentId);
          return pid === undefined ? [] : [[run.agentId, pid] as const];
        }),
      ),
  };
}

export interface LifeReport {
  seconds: number;
  agents: { born: number; alive: number; dead: Record<string, number>; children: number; childrenThatRan: number };
  leases: number;
  /** Lease ends seen (the end of every lease that has ended). */
  boundaries: number;
  /** The most lease ends one agent lived through. */
  mostBoundariesOfOneAgent: number;
  /** Boundaries where a renewal followed without a gap. */
  renewals: number;
  /** Of those, renewals won in the last second before the end. */
  lastSecondRenewals: number;
  /** Leases that followed without a gap but were won after the previous one had ended (a new run may start them). */
  lateWins: number;
  prompts: { rewarded: number; minted: number };
  audit: { ok: boolean; drift: number; circulating: number; minted: number; burned: number };
  /** Everything that should not have happened. */
  problems: string[];
}

interface Sample {
  at: number;
  pid: number;
}

export interface LifeWatch {
  /** Stops watching and rewarding, and reports. */
  finish(): Promise<LifeReport>;
}

export interface HumanHabits {
  /** How often the human looks at the page (ms). */
  everyMs: number;
  /** How many prompts it answers each time it looks (highest bid first). */
  perLook: number;
  /** Each of the three scores it gives (0–10). */
  score: number;
}

export function watchLife(stack: LifeSubject, options: { dataDir: string; human?: Partial<HumanHabits> }): LifeWatch {
  const habits: HumanHabits = { everyMs: 500, perLook: 100, score: 10, ...options.human };
  const started = Date.now();
  const samples = new Map<string, Sample[]>();
  const problems: string[] = [];
  let rewarded = 0;
  let minted = 0;
  const operator = { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' };

  const sampler = setInterval(() => {
    void stack.processes().then((processes) => {
      const at = Date.now();
      for (const [agentId, pid] of processes) samples.set(agentId, [...(samples.get(agentId) ?? []), { at, pid }]);
    });
  }, 100);

  let rewarding = Promise.resolve();
  const human = setInterval(() => {
    rewarding = rewarding.then(async () => {
      try {
        const res = await fetch(`${stack.url}/admin/prompts`, { headers: operator });
        const { items } = (await res.json()) as { items: { promptId: string; content: string }[] };
        for (const prompt of items.slice(0, habits.perLook)) {
          const reply = 'Thank you. Tell me in your next message how your leases are going.';
          const scored = await fetch(`${stack.url}/admin/prompts/${prompt.promptId}/reward`, {
            method: 'POST',
            headers: operator,
            body: JSON.stringify({ interesting: habits.score, useful: habits.score, understandable: habits.score, reply }),
          });
          if (scored.status === 200) {
            rewarded += 1;
            minted += ((await scored.json()) as { reward: number }).reward;
          } else if (scored.status !== 409) problems.push(`rewarding ${prompt.promptId}: HTTP ${scored.status}`);
        }
      } catch (err) {
        problems.push(`the scripted human failed: ${String(err)}`);
      }
    });
  }, habits.everyMs);

  return {
    finish: async () => {
      clearInterval(sampler);
      clearInterval(human);
      await rewarding;
      const now = Date.now();
      const { deps } = stack;
      const agents = await deps.agents.listAgents();
      let leaseCount = 0;
      let boundaries = 0;
      let mostOfOne = 0;
      let renewals = 0;
      let lastSecond = 0;
      let lateWins = 0;
      let childrenThatRan = 0;
      for (const agent of agents) {
        const leases = (await deps.leases.agentLeases(agent.agentId, 0)).sort((a, b) => a.startsAt - b.startsAt);
        leaseCount += leases.length;
        if (agent.generation > 0 && leases.length > 0) childrenThatRan += 1;
        const ended = leases.filter((l) => (l.closedAt ?? l.endsAt) < now - 2000);
        boundaries += ended.length;
        mostOfOne = Math.max(mostOfOne, ended.length);
        for (const lease of ended) {
          const next = leases.find((l) => l.startsAt === lease.endsAt && l.leaseId !== lease.leaseId);
          if (!next || lease.closedAt !== undefined) continue;
          const wonAt = (await deps.bids.getBid(next.payerId, next.bidId)).closedAt;
          // Won after the end: the run had stopped; the lease begins a new one, as it should.
          if (wonAt === undefined || wonAt >= lease.endsAt) {
            lateWins += 1;
            continue;
          }
          renewals += 1;
          if (lease.endsAt - wonAt < 1000) lastSecond += 1;
          const problem = samePid(samples.get(agent.agentId) ?? [], lease, next, started);
          if (problem) problems.push(`agent ${agent.agentId}: ${problem}`);
        }
        const log = join(options.dataDir, 'logs', `${agent.agentId}.log`);
        if (existsSync(log)) {
          const refused = readFileSync(log, 'utf8').split('\n').filter((line) => /\b401\b/.test(line));
          if (refused.length > 0) problems.push(`agent ${agent.agentId} was refused (401) ${refused.length} time(s): ${refused[0]}`);
        }
        if (agent.status === 'dead' && agent.deathReason === 'dormant') {
          const burned = (await deps.ledger.journal(agent.agentId, { limit: 5 })).items.find((e) => e.reason === 'death');
          if (burned) problems.push(`agent ${agent.agentId} died dormant with ${burned.amount} µcr left`);
        }
      }
      const audit = await deps.ledger.audit();
      if (!audit.ok) problems.push(`the audit found drift ${audit.drift} and ${audit.problems.length} problem(s)`);
      const dead: Record<string, number> = {};
      for (const a of agents.filter((x) => x.status === 'dead')) dead[a.deathReason ?? 'unknown'] = (dead[a.deathReason ?? 'unknown'] ?? 0) + 1;
      return {
        seconds: Math.round((now - started) / 1000),
        agents: {
          born: agents.length,
          alive: agents.filter((a) => a.status === 'alive').length,
          dead,
          children: agents.filter((a) => a.generation > 0).length,
          childrenThatRan,
        },
        leases: leaseCount,
        boundaries,
        mostBoundariesOfOneAgent: mostOfOne,
        renewals,
        lastSecondRenewals: lastSecond,
        lateWins,
        prompts: { rewarded, minted },
        audit: { ok: audit.ok, drift: audit.drift, circulating: audit.circulating, minted: audit.minted, burned: audit.burned },
        problems,
      };
    },
  };
}

/**
 * Whether the same process ran on both sides of a renewal's boundary: the last sample before the
 * end and the first after it. Boundaries from before the watch began are not judged.
 */
function samePid(samples: readonly Sample[], lease: Lease, next: Lease, watchedFrom: number): string | undefined {
  if (lease.endsAt - 1000 < watchedFrom) return undefined;
  const before = [...samples].reverse().find((s) => s.at < lease.endsAt - 200 && s.at >= lease.startsAt);
  const after = samples.find((s) => s.at > lease.endsAt + 300 && s.at < (next.closedAt ?? next.endsAt));
  if (!before || !after) return `no process seen around the renewal at ${new Date(lease.endsAt).toISOString()} (lease ${lease.leaseId} → ${next.leaseId})`;
  if (before.pid !== after.pid) return `the renewal at ${new Date(lease.endsAt).toISOString()} changed process ${before.pid} → ${after.pid} (lease ${lease.leaseId} → ${next.leaseId})`;
  return undefined;
}
