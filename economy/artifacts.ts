/**
 * Artifacts: owned records that can be sold. Data and code (text), an agent's config right (whose
 * owner may set that agent's strategy configuration), and debts (created by a loan; whoever owns
 * the debt is repaid). A listing names a price and, optionally, the one buyer it is for.
 */
import { ValidationError } from './errors.js';
import type { Micros } from './money.js';

export type ArtifactKind = 'data' | 'code' | 'config-right' | 'debt';

export interface Listing {
  price: Micros;
  /** Only this agent may buy, when set. */
  buyer?: string;
  listedAt: number;
}

export interface Artifact {
  artifactId: string;
  kind: ArtifactKind;
  ownerId: string;
  createdBy: string;
  createdAt: number;
  /** Data and code: the text. */
  content?: string;
  /** A config right: the agent whose configuration it governs. */
  subjectAgentId?: string;
  /** A debt: who owes, and how much is still owed. */
  debtor?: string;
  outstanding?: Micros;
  listing?: Listing;
  /** Raised by every change of owner or listing, so that two buyers cannot both win. */
  version: number;
}

/** An open listing, as anyone may see it: what is sold, by whom, at what price (never the content). */
export interface OpenListing {
  artifactId: string;
  kind: ArtifactKind;
  sellerId: string;
  price: Micros;
  listedAt: number;
  /** Only this agent may buy, when set. */
  buyer?: string;
  /** A config right: the agent it governs. */
  subjectAgentId?: string;
  /** A debt: who owes it, and how much. */
  debtor?: string;
  outstanding?: Micros;
}

export const MAX_ARTIFACT_BYTES = 64 * 1024;
export const MAX_CONFIG_BYTES = 16 * 1024;

/** The config right of an agent has a fixed id: there is one per agent. */
export const configRightId = (agentId: string) => `config-${agentId}`;

/** What others may see of an artifact: everything but the content, which is its owner's. */
export function publicView(artifact: Artifact, viewer: string): Artifact {
  if (artifact.ownerId === viewer || artifact.content === undefined) return artifact;
  const { content: _hidden, ...rest } = artifact;
  return rest;
}

export function assertContent(content: string | undefined): void {
  if (content === undefined || content.length === 0 || Buffer.byteLength(content, 'utf8') > MAX_ARTIFACT_BYTES) {
    throw new ValidationError(`content is 1 to ${MAX_ARTIFACT_BYTES} bytes of text`, { field: 'content' });
  }
}

/** How deep an agent's configuration may nest (DynamoDB allows 32 levels; a strategy needs few). */
export const MAX_CONFIG_DEPTH = 16;

/** A configuration within bounds: at most MAX_CONFIG_DEPTH levels deep and MAX_CONFIG_BYTES long. */
export function assertConfig(config: Record<string, unknown>): void {
  // Depth first, without recursion: a hostile document may be nested far too deep to walk recursively.
  const stack: [unknown, number][] = [[config, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_CONFIG_DEPTH) throw new ValidationError(`config may nest at most ${MAX_CONFIG_DEPTH} levels deep`, { field: 'config' });
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  if (Buffer.byteLength(JSON.stringify(config), 'utf8') > MAX_CONFIG_BYTES) throw new ValidationError(`config is at most ${MAX_CONFIG_BYTES} bytes`, { field: 'config' });
}
