/**
 * Births: a first agent created by the operator, or a child spawned by a living agent. Both are
 * idempotent: the new agent's id follows from the request's key and content, so a retried request
 * names the same agent; its workspace is written once, before any money moves and only for a new
 * request (a replay returns the first birth and writes nothing; the same key with another request
 * is refused before anything is written). Its credential is shown once.
 */
import { createHash } from 'node:crypto';
import type { Config } from './config.js';
import { credentialHash, newCredential } from './credentials.js';
import { DomainError } from './errors.js';
import type { Bid } from './market.js';
import type { Micros } from './money.js';
import type { AgentDirectory, FirstBid, RoundLog, WorkspaceStore } from './ports.js';
import { assertFiles } from './society.js';

export interface BirthDeps {
  agents: AgentDirectory;
  rounds: Pick<RoundLog, 'state'>;
  workspaces: WorkspaceStore;
  config: Pick<Config, 'spawnFee'>;
}

export interface BirthRequest {
  endowment: Micros;
  files: Record<string, string>;
  firstBid?: FirstBid;
  /** Scoped to the caller. */
  idempotencyKey: string;
}

export interface Born {
  agentId: string;
  generation: number;
  lineage: string[];
  /** The new agent's own credential: shown now, never again (null on a replay). */
  credential: string | null;
  /** Its first bid, if one was placed. */
  bid: Bid | null;
}

const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** A digest of a set of files, whatever order they were sent in. */
export const filesDigest = (files: Record<string, string>): string => digest(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The id of the agent a request gives birth to: the same for a retry, another for another request. */
export function birthId(idempotencyKey: string, request: unknown): string {
  return createHash('sha256').update(idempotencyKey).update('\0').update(digest(request)).digest('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 26).toUpperCase();
}

/** The operator's first agent: its endowment granted, `files` over the genesis code, and its first bid. */
export async function createFirstAgent(deps: BirthDeps, req: BirthRequest): Promise<Born> {
  assertFiles(req.files);
  const filesHash = filesDigest(req.files);
  const agentId = birthId(req.idempotencyKey, { endowment: req.endowment, filesHash, firstBid: req.firstBid });
  const credential = newCredential();
  return born(
    async () =>
      deps.agents.createAgent({
        agentId,
        credentialHash: credentialHash(credential),
        endowment: req.endowment,
        round: await lastRound(deps),
        ...(req.firstBid ? { firstBid: req.firstBid } : {}),
        filesHash,
        prepare: () => deps.workspaces.seed(agentId, req.files),
        idempotencyKey: req.idempotencyKey,
      }),
    credential,
    () => deps.workspaces.remove(agentId),
  );
}

/** A child of `parentId`: the fee burned, the endowment moved, its workspace a copy of the parent's overlaid with `files`. */
export async function spawnChild(deps: BirthDeps, req: BirthRequest & { parentId: string }): Promise<Born & { fee: Micros }> {
  assertFiles(req.files);
  const filesHash = filesDigest(req.files);
  const childId = birthId(req.idempotencyKey, { parentId: req.parentId, endowment: req.endowment, filesHash, firstBid: req.firstBid });
  const credential = newCredential();
  const child = await born(
    async () =>
      deps.agents.spawnAgent({
        parentId: req.parentId,
        childId,
        credentialHash: credentialHash(credential),
        endowment: req.endowment,
        fee: deps.config.spawnFee,
        round: await lastRound(deps),
        ...(req.firstBid ? { firstBid: req.firstBid } : {}),
        filesHash,
        prepare: () => deps.workspaces.inherit(req.parentId, childId, req.files),
        idempotencyKey: req.idempotencyKey,
      }),
    credential,
    () => deps.workspaces.remove(childId),
  );
  return { ...child, fee: deps.config.spawnFee };
}

async function lastRound(deps: BirthDeps): Promise<number> {
  return (await deps.rounds.state())?.lastRound ?? 0;
}

/**
 * Runs a birth. If it was refused (a domain error: nothing was written), the workspace prepared for
 * it goes; after any other failure the birth may have happened, so the workspace stays.
 */
async function born(
  birth: () => Promise<{ agent: { agentId: string; generation: number; lineage: string[] }; credentialHash: string; bid?: Bid }>,
  credential: string,
  undo: () => Promise<void>,
): Promise<Born> {
  let result;
  try {
    result = await birth();
  } catch (err) {
    if (err instanceof DomainError) await undo().catch(() => undefined);
    throw err;
  }
  return {
    agentId: result.agent.agentId,
    generation: result.agent.generation,
    lineage: result.agent.lineage,
    credential: result.credentialHash === credentialHash(credential) ? credential : null,
    bid: result.bid ?? null,
  };
}
