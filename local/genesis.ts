/**
 * On an empty economy: the genesis agent, its endowment granted by the human who started it, with
 * its first bid placed from the endowment as it is born (an agent cannot act before its first
 * lease); from then on it bids for itself. Its own credential is kept in the data dir (0600) for
 * the operator; no agent can reach it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFirstAgent } from '../economy/birth.js';
import type { Bundle } from '../economy/resources.js';
import type { Deps } from '../wiring/deps.js';
import { writeSecret } from './data-dir.js';
import { GENESIS_WORKSPACE } from './runtime-bundle.js';

/** The genesis strategy's bundle and lease length (agent-container/genesis/strategy.json). */
export function genesisStrategy(): { bundle: Omit<Bundle, 'durationSeconds'>; leaseSeconds: number } {
  return JSON.parse(readFileSync(join(GENESIS_WORKSPACE, 'strategy.json'), 'utf8')) as { bundle: Omit<Bundle, 'durationSeconds'>; leaseSeconds: number };
}

/**
 * The genesis agent, if the economy has no agent yet. `leaseSeconds` (SYNTROPISM_GENESIS_LEASE_SECONDS)
 * overrides the length of the leases its strategy buys, its first one included.
 */
export async function createGenesis(deps: Deps, options: { dataDir: string; leaseSeconds?: number; log: (line: string) => void }): Promise<void> {
  if ((await deps.agents.listAgents(1)).length > 0) return;
  const strategy = genesisStrategy();
  const leaseSeconds = options.leaseSeconds ?? strategy.leaseSeconds;
  const genesis = await createFirstAgent(deps, {
    endowment: deps.config.genesisEndowment,
    files: options.leaseSeconds ? { 'strategy.json': JSON.stringify({ ...strategy, leaseSeconds }, null, 2) } : {},
    firstBid: { bundle: { ...strategy.bundle, durationSeconds: leaseSeconds }, amount: Math.floor(deps.config.genesisEndowment / 100) },
    idempotencyKey: 'operator:genesis',
  });
  if (genesis.credential) writeSecret(join(options.dataDir, 'genesis-credential'), genesis.credential);
  options.log(`created the genesis agent ${genesis.agentId} with ${deps.config.genesisEndowment / 1_000_000} credits and its first bid`);
}
