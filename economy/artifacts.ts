/**
 * Artifacts: owned records that can be sold. Data and code (text), an agent's config right (whose
 * owner may set that agent's strategy configuration), and debts (created by a loan; whoever owns
 * the debt is repaid). A listing names a price and, optionally, the one buyer it is for.
 */
import { ConflictError, ForbiddenError, ValidationError } from './errors.js';
import { assertMicros, type Micros } from './money.js';

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

/** Where a change is made: its time, and a fresh id when it creates something. */
export interface Made {
  now: number;
  newId(): string;
}

/** Data or code with its content, or an agent's own config right (one per agent, with a fixed id). */
export function newArtifact(req: { ownerId: string; kind: Exclude<ArtifactKind, 'debt'>; content?: string }, at: Made): Artifact {
  if (req.kind !== 'config-right') assertContent(req.content);
  else if (req.content !== undefined) throw new ValidationError('a config right has no content', { field: 'content' });
  const made = { kind: req.kind, ownerId: req.ownerId, createdBy: req.ownerId, createdAt: at.now, version: 1 };
  return req.kind === 'config-right'
    ? { artifactId: configRightId(req.ownerId), ...made, subjectAgentId: req.ownerId }
    : { artifactId: at.newId(), ...made, content: req.content! };
}

/** A debt, owned by the lender, created with the loan that it records. */
export function newDebt(req: { lender: string; borrower: string; amount: Micros }, at: Made): Artifact {
  return {
    artifactId: at.newId(),
    kind: 'debt',
    ownerId: req.lender,
    createdBy: req.lender,
    createdAt: at.now,
    debtor: req.borrower,
    outstanding: req.amount,
    version: 1,
  };
}

/** Only the owner changes an artifact's listing. */
export function assertOwner(artifact: Artifact, ownerId: string): void {
  if (artifact.ownerId !== ownerId) throw new ForbiddenError(`artifact ${artifact.artifactId} is not yours`);
}

/** The next version of an artifact: every change raises the version, so that two concurrent changes cannot both land. */
const next = (artifact: Artifact, change: Partial<Artifact>): Artifact => ({ ...artifact, ...change, version: artifact.version + 1 });

const withoutListing = ({ listing: _listing, ...rest }: Artifact): Artifact => rest;

/** Offered for sale by its owner at a positive price, to anyone or to one buyer other than the owner. */
export function listed(artifact: Artifact, req: { ownerId: string; price: Micros; buyer?: string }, now: number): Artifact {
  assertOwner(artifact, req.ownerId);
  assertMicros(req.price, 'price', 'positive');
  if (req.buyer === req.ownerId) throw new ValidationError('an owner cannot sell to itself', { field: 'buyer' });
  return next(artifact, { listing: { price: req.price, listedAt: now, ...(req.buyer ? { buyer: req.buyer } : {}) } });
}

/** Taken off sale by its owner. */
export function unlisted(artifact: Artifact, ownerId: string): Artifact {
  assertOwner(artifact, ownerId);
  if (!artifact.listing) throw new ConflictError(`artifact ${artifact.artifactId} is not listed`);
  return next(withoutListing(artifact), {});
}

/**
 * Bought at the listed price: the price the buyer saw must be the price now (the write holds only
 * if the artifact is unchanged since it was read), the listing must be open to this buyer, and an
 * owner does not buy from itself.
 */
export function sold(artifact: Artifact, req: { buyerId: string; price: Micros }): { bought: Artifact; seller: string; price: Micros } {
  const listing = artifact.listing;
  if (!listing) throw new ConflictError(`artifact ${artifact.artifactId} is not for sale`);
  if (listing.price !== req.price) throw new ConflictError(`artifact ${artifact.artifactId} costs ${listing.price} µcr now, not ${req.price}`, { price: listing.price });
  if (listing.buyer && listing.buyer !== req.buyerId) throw new ForbiddenError(`artifact ${artifact.artifactId} is offered to another buyer`);
  if (artifact.ownerId === req.buyerId) throw new ConflictError('you own it already');
  return { bought: next(withoutListing(artifact), { ownerId: req.buyerId }), seller: artifact.ownerId, price: listing.price };
}

/** Part or all of a debt repaid, by its debtor only, never more than is owed. */
export function repaid(debt: Artifact, req: { debtor: string; amount: Micros }): Artifact {
  if (debt.kind !== 'debt' || debt.debtor !== req.debtor) throw new ForbiddenError('only the debtor repays a debt');
  assertMicros(req.amount, 'amount', 'positive');
  const owed = debt.outstanding ?? 0;
  if (req.amount > owed) throw new ValidationError(`only ${owed} µcr is owed`, { field: 'amount' });
  return next(debt, { outstanding: owed - req.amount });
}

/** An agent's configuration is set by the owner of its config right, or by the agent itself while no right exists. */
export function assertMayConfigure(right: Artifact | undefined, req: { callerId: string; agentId: string }): void {
  const allowed = right ? right.ownerId === req.callerId : req.callerId === req.agentId;
  if (!allowed) throw new ForbiddenError(`only the owner of agent ${req.agentId}'s config right may change its configuration`);
}
