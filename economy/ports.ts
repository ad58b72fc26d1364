/**
 * The ports: what the economy needs from the outside world, as interfaces. Adapters implement
 * them (DynamoDB, SQS, ECS, local processes); the economy never imports an adapter or an SDK.
 */
import type { Artifact, ArtifactKind, OpenListing } from './artifacts.js';
import type { Prompt, Scores } from './attention.js';
import type { Prices } from './clearing.js';
import type { AuditRecord, AuditReport, Balance, Hold, JournalEntry, MintReason, Movement } from './ledger.js';
import type { Agent, Bid, BidState, Lease, OracleState, RoundRecord, StoredOutcome } from './market.js';
import type { LeaseUsage, UsageReport } from './metering.js';
import type { Micros } from './money.js';
import type { InboxItem } from './society.js';
import type { Bundle } from './resources.js';
import type { ChatCompletion, LlmSpend } from './llm.js';
import type { BucketSpec, BucketState } from './token-bucket.js';
import type { UbiPlan } from './ubi.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Every ledger write carries an idempotency key: a replay with the same key and the same request
 * returns the first result and changes nothing; the same key with a different request is refused.
 */
export interface Idempotent {
  idempotencyKey: string;
}

/**
 * What a write must find for an agent credential to be honoured, checked in the write's own
 * transaction: the credential's item still there (death and the end of a run delete it), still
 * the agent's, not a supervisor's token, and unexpired at `now`. A write that does not find it is
 * refused as unauthorized (UnauthorizedError), whatever else it would have said. It is not part of
 * the request's identity: a replay under another valid credential of the agent is the same request.
 */
export interface CredentialCheck {
  credentialHash: string;
  agentId: string;
  now: number;
}

export interface TransferReceipt {
  entryId: string;
  from: string;
  to: string;
  amount: Micros;
}

export interface HoldReceipt {
  holdId: string;
  accountId: string;
  amount: Micros;
}

export interface CaptureReceipt {
  holdId: string;
  captured: Micros;
  released: Micros;
}

export interface ReleaseReceipt {
  holdId: string;
  released: Micros;
  state: 'voided' | 'expired';
}

export interface MintReceipt {
  entryId: string;
  to: string;
  amount: Micros;
}

export interface BurnReceipt {
  entryId: string;
  from: string;
  amount: Micros;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  cursor?: string;
}

export interface LedgerStore {
  /** A new account, optionally funded in the same write by a human grant (minted). */
  openAccount(req: Idempotent & { accountId: string; grant?: { amount: Micros; ref?: string } }): Promise<Balance>;
  transfer(req: Idempotent & Movement & { from: string; to: string; amount: Micros }): Promise<TransferReceipt>;
  hold(req: Idempotent & Movement & { accountId: string; amount: Micros; holdId?: string }): Promise<HoldReceipt>;
  /** Capture all or part of a pending hold, paid to the burn (default) or to an agent; the rest is released. */
  capture(
    req: Idempotent & Movement & { holdId: string; amount: Micros; to?: 'burn' | { agent: string } },
  ): Promise<CaptureReceipt>;
  release(req: Idempotent & { holdId: string; reason?: string }): Promise<ReleaseReceipt>;
  expire(req: Idempotent & { holdId: string; reason?: string }): Promise<ReleaseReceipt>;
  /** New money: only for a human's grant or reward. */
  mint(req: Idempotent & Movement & { to: string; amount: Micros; reason: MintReason }): Promise<MintReceipt>;
  burn(req: Idempotent & Movement & { from: string; amount: Micros }): Promise<BurnReceipt>;

  getBalance(accountId: string): Promise<Balance>;
  getHold(holdId: string): Promise<Hold>;
  /** An agent's journal entries, newest first. */
  journal(accountId: string, page?: { limit?: number; cursor?: string }): Promise<Page<JournalEntry>>;
  /** Full scan: conservation, journal replay and holds, with every problem listed. */
  audit(): Promise<AuditReport>;
}

/** Agents paying agents: a payment goes only to a living agent (403 otherwise), never into a dead account. */
/** The last scheduled audit of the ledger, kept so that reading it costs one item, not a scan. */
export interface AuditLog {
  /** Keeps `record` unless a later audit is kept already. */
  save(record: AuditRecord): Promise<void>;
  last(): Promise<AuditRecord | undefined>;
}

export interface Payments {
  /** `credential`, when given, is checked in the transfer's own transaction. */
  transfer(req: Idempotent & { from: string; to: string; amount: Micros; memo?: string }, credential?: CredentialCheck): Promise<TransferReceipt>;
}

// -- the market ----------------------------------------------------------------------------------

/** A first bid placed with a new agent, from its endowment, in the same transaction. */
export interface FirstBid {
  bundle: Bundle;
  amount: Micros;
}

/** What the round judged of an agent it found dead; its burial is conditional on all of it being unchanged. */
export interface Judged {
  available: Micros;
  held: Micros;
  pendingBids: number;
  lastBidAt?: number;
}

/**
 * What a birth needs besides its money: `filesHash`, a digest of the new agent's files (part of
 * what was asked), and `prepare`, work done once, before the money moves, only when the request is
 * new (not on a replay): writing the new agent's workspace.
 */
export interface Birth {
  filesHash: string;
  prepare?: () => Promise<void>;
}

export interface AgentDirectory {
  /**
   * A first agent, created by the operator: its account is funded by a grant (minted as a human
   * act) and its first bid, if any, placed from it, in one transaction.
   */
  createAgent(
    req: Idempotent & Birth & { agentId: string; credentialHash: string; endowment: Micros; round: number; firstBid?: FirstBid },
  ): Promise<{ agent: Agent; credentialHash: string; bid?: Bid }>;
  /** A child of a living agent: the fee burned, the endowment moved to it and its first bid placed, in one transaction. */
  spawnAgent(
    req: Idempotent & Birth & { parentId: string; childId: string; credentialHash: string; endowment: Micros; fee: Micros; round: number; firstBid?: FirstBid },
  ): Promise<{ agent: Agent; credentialHash: string; bid?: Bid }>;
  /**
   * Death: marked dead, its credentials gone, its leftovers burned, in one transaction that holds
   * only if the agent is as it was judged (a ConflictError otherwise: it lives on). Idempotent.
   */
  bury(req: { agentId: string; round: number; reason: string; judged: Judged }): Promise<{ burned: Micros }>;
  /** The agent a credential belongs to; undefined for an unknown or expired credential, or a dead agent. */
  agentIdForCredential(credentialHash: string, now: number): Promise<string | undefined>;
  getAgent(agentId: string): Promise<Agent>;
  /** Agents, oldest first: the first `limit`, or every one. */
  listAgents(limit?: number): Promise<Agent[]>;
  /** The public directory, a page at a time, oldest first. */
  directory(page?: { limit?: number; cursor?: string }): Promise<Page<Agent>>;
  /** Sets an agent's strategy configuration: by the owner of its config right, or by the agent itself while no right exists. */
  setConfig(req: Idempotent & { callerId: string; agentId: string; config: Record<string, unknown> }): Promise<void>;
}

/** A run's two secrets: the agent's credential (for agent code) and the supervisor's token (for the trusted side). */
export interface RunSecrets {
  runId: string;
  /** What agent code calls the API with, as the agent. */
  credential: string;
  /** What the run's supervisor reports usage and syncs the workspace with; never given to agent code. */
  supervisorToken: string;
}

/** Who a supervisor token speaks for. */
export interface RunOf {
  agentId: string;
  runId: string;
}

/**
 * The secrets of one run of an agent: they work while the run goes on, through every renewal, and
 * stop working when the run ends. An agent has at most one run at a time.
 */
export interface RunCredentials {
  /** A new run: fresh secrets, the credential valid until `expiresAt`; an earlier run's stop working. */
  issue(agentId: string, expiresAt: number): Promise<RunSecrets>;
  /** The run goes on: its secrets now work until `expiresAt` (never shortened). */
  extend(agentId: string, runId: string, expiresAt: number): Promise<void>;
  /** The run ended: its secrets stop working now. Nothing happens if a later run replaced it. */
  revoke(agentId: string, runId: string): Promise<void>;
  /** The run a supervisor token belongs to; undefined for an unknown, expired or revoked one. */
  runOfSupervisor(tokenHash: string, now: number): Promise<RunOf | undefined>;
  /** The agent's current run while its credential still works (neither revoked nor expired at `now`). */
  liveRun(agentId: string, now: number): Promise<string | undefined>;
}

/** Where measured usage goes: the metering queue, read by the metering consumer. */
export interface MeterQueue {
  send(report: UsageReport): Promise<void>;
}

/**
 * Short-lived access to one agent's workspace, for its run's supervisor in AWS: a URL to read each
 * file there, and URLs to write the given files (S3 presigned URLs under `workspaces/<agentId>/`).
 */
export interface WorkspaceAccess {
  downloads(agentId: string): Promise<{ path: string; url: string }[]>;
  uploads(agentId: string, paths: readonly string[]): Promise<{ path: string; url: string }[]>;
}

export interface BidBook {
  /**
   * Holds `amount` of the payer's and records a pending bid for the agent's lease, in one
   * transaction; the agent must be alive. The payer is the agent itself, or its sponsor.
   * `credential`, when given, is checked in the same transaction (so are the next two's).
   */
  placeBid(req: Idempotent & { payerId: string; agentId: string; bundle: Bundle; amount: Micros }, credential?: CredentialCheck): Promise<Bid>;
  /** Releases a pending bid's hold (to its payer) and marks it cancelled, in one transaction. */
  cancelBid(req: Idempotent & { payerId: string; bidId: string }, credential?: CredentialCheck): Promise<Bid>;
  /** A bid, found under the agent that pays for it. */
  getBid(payerId: string, bidId: string): Promise<Bid>;
  /** Bids the agent pays for (its own, and those it sponsors), newest first. */
  listBids(payerId: string, page?: { limit?: number; cursor?: string; state?: BidState }): Promise<Page<Bid>>;
  /** Pending bids that take part in `round`. */
  pendingBids(round: number): Promise<Bid[]>;
  /** Pending bids that first took part in `lastFirstRound` or before: those due to expire (read by that round, not all bids). */
  expiringBids(lastFirstRound: number): Promise<Bid[]>;
  /** Captures the winner's payment, marks its bid won and writes its lease: one transaction, at most once. */
  /**
   * Captures the winner's payment (into the burn, or with `payTo: 'ubi'` into the round's UBI pool),
   * marks the bid won and writes its lease, in one transaction.
   */
  settleWinner(req: Idempotent & { round: number; bid: Bid; payment: Micros; lease: Lease; payTo?: 'burn' | 'ubi' }): Promise<Lease>;
  /** Releases an expired bid's hold and marks it expired: one transaction, at most once. */
  expireBid(req: Idempotent & { round: number; payerId: string; bidId: string }): Promise<Bid>;
}

/** A mark on an agent the round must judge: from when it is due. */
export interface WatchMark {
  agentId: string;
  dueAt: number;
  /** Tells this mark from others on the same agent at the same time. */
  markId: string;
}

/**
 * The agents the round judges for death (economy/death-watch.ts), so that it reads only agents
 * that can have changed rather than every agent. Every write that can bring an agent's death
 * nearer marks it, due at once: a balance that fell (available or held), a bid for it closed, a
 * lease closed early, a birth. The round marks the agents it judges alive, due when they could
 * next die with nothing written meanwhile (a lease's end, the dormancy limit).
 */
export interface DeathWatch {
  /** Marks due at `now` or before. */
  due(now: number): Promise<WatchMark[]>;
  /** Marks `agentId`, due at `dueAt`. */
  watch(agentId: string, dueAt: number): Promise<void>;
  /** Removes these marks (a mark written since is another mark, and stays). */
  clear(marks: readonly WatchMark[]): Promise<void>;
  /** Whether every living agent has been marked once (false on tables from before the watch). */
  started(): Promise<boolean>;
  /** Notes that every living agent has been marked once. */
  start(at: number): Promise<void>;
}

/** Leases: what winning bids bought (written by `BidBook.settleWinner`). */
export interface LeaseBook {
  /** Leases that have not ended at `now`, all agents. */
  activeLeases(now: number): Promise<Lease[]>;
  /** One agent's leases that have not ended at `now`. */
  agentLeases(agentId: string, now: number): Promise<Lease[]>;
  /** Ends a lease early (its process died); it holds nothing from `at` on. Idempotent. */
  closeLease(req: { agentId: string; leaseId: string; at: number; reason: string }): Promise<Lease>;
}

/** A round's UBI pool and its payout (economy/ubi.ts). Every step is idempotent per round. */
export interface UbiBook {
  /** What the round's pool holds now (µcr). */
  pool(round: number): Promise<Micros>;
  /** The round's plan, once fixed. */
  plan(round: number): Promise<UbiPlan | undefined>;
  /**
   * Fixes the round's plan if none is, with the condition that the pool holds exactly `plan.pool`,
   * and closes the pool to payments; returns the plan stored (the first one, whoever stored it).
   */
  fix(plan: UbiPlan): Promise<UbiPlan>;
  /** Pays one recipient its share, at most once per round; false (and nothing paid) if it is dead. */
  pay(req: { round: number; agentId: string; amount: Micros }): Promise<boolean>;
  /** Burns what the round's pool still holds, once the plan is fixed and paid; returns what was burned. */
  burnRest(round: number): Promise<Micros>;
}

export interface RoundLog {
  state(): Promise<OracleState | undefined>;
  /** Begins `round` if the state is still `previous` (a conditional write); false if another invocation did. */
  begin(req: { round: number; tick: number; now: number; previous: OracleState }): Promise<boolean>;
  get(round: number): Promise<RoundRecord | undefined>;
  /** Stores a round's outcome unless one is stored already; returns the one stored. */
  saveOutcome(round: number, outcome: StoredOutcome): Promise<StoredOutcome>;
  /** Marks `round` settled and sets the next reserve prices (conditional on it being the round in progress). */
  finish(req: { round: number; reserve: Prices; now: number }): Promise<void>;
  /** The latest rounds, newest first. */
  history(limit: number): Promise<RoundRecord[]>;
}

// -- existence: metering ---------------------------------------------------------------------------

export interface UsageStore {
  /** Applies a report once: a report whose id was applied before changes nothing. Refuses a lease that is not the agent's. */
  apply(report: UsageReport): Promise<{ applied: boolean; usage: LeaseUsage }>;
  get(agentId: string, leaseId: string): Promise<LeaseUsage | undefined>;
}

// -- existence: running agents ---------------------------------------------------------------------

/** What a runner needs to run an agent for a lease. */
export interface RunSpec {
  agentId: string;
  /** This run's id: its credential belongs to it. */
  runId: string;
  leaseId: string;
  /** The limits: vCPU and memory of the lease now running. */
  bundle: Bundle;
  /** The hard stop: the end of the lease, or of the last renewal that follows it. */
  endsAt: number;
  /** The run's credential; the runner must not expose it in plain text where others can read it. */
  credential: string;
  /** The supervisor's token, for a runner whose supervisor talks to the API (ECS); never for agent code. */
  supervisorToken: string;
}

/** What a run should be: the agent, the lease running now, and when the run ends (renewals included). */
export type RunTarget = Pick<RunSpec, 'agentId' | 'leaseId' | 'bundle' | 'endsAt'>;

export type ExitReason = 'lease-ended' | 'out-of-memory' | 'crashed' | 'stopped';

export interface RunExit {
  agentId: string;
  runId: string;
  leaseId: string;
  at: number;
  reason: ExitReason;
  detail?: string;
}

export interface RunningAgent {
  agentId: string;
  runId: string;
  leaseId: string;
  endsAt: number;
  /** The size it runs at. */
  vcpu: number;
  memoryMiB: number;
  /**
   * Told to stop and still finishing: a Fargate task whose supervisor is sending its last report
   * and saving the workspace. Its agent gets no new run until it is gone.
   */
  stopping?: boolean;
}

/** Runs agents under their leases' limits: local processes, or ECS Fargate tasks. */
export interface Runner {
  /** Whether a run can take on a renewal of another size (a local process can; a Fargate task cannot). */
  readonly resizable: boolean;
  /**
   * Whether a run still finishes after `stop` returns (a Fargate task: its supervisor sends the last
   * usage report and saves the workspace, with the run's supervisor token): `running()` lists it as
   * `stopping` until it is gone, and its secrets are revoked when its end is seen
   * (lambdas/ecs-task-stopped.ts), not at `stop`. A local run has exited when `stop` returns.
   */
  readonly finishesAfterStop: boolean;
  start(spec: RunSpec): Promise<void>;
  /** A renewal: the same run goes on to the new end, under the limits of the lease now running. */
  extend(spec: RunTarget & { runId: string }): Promise<void>;
  stop(agentId: string): Promise<void>;
  running(): Promise<RunningAgent[]>;
}

// -- existence: the LLM gateway -----------------------------------------------------------------

/** An agent's token bucket as stored: its state in the units of the lease it was last used with. */
export interface StoredBucket {
  leaseId: string;
  spec: BucketSpec;
  state: BucketState;
}

/** One call through the gateway, under its idempotency key: pending while the provider works, done after. */
export interface LlmCall {
  requestHash: string;
  status: 'pending' | 'done';
  reserved: number;
  /** The lease the call was made in (its tokens are metered there). */
  leaseId: string;
  completion?: ChatCompletion;
}

/**
 * The gateway's books: each agent's one token bucket and its calls, changed with optimistic
 * concurrency (each write holds only if the bucket is as read), plus what the budget was spent on.
 */
export interface LlmLedger {
  bucket(agentId: string): Promise<{ bucket: StoredBucket; version: number } | undefined>;
  call(agentId: string, key: string, now: number): Promise<LlmCall | undefined>;
  /** The bucket after a reservation and the call, pending: one write, if the bucket is unchanged and the key unused. */
  begin(req: { agentId: string; key: string; requestHash: string; bucket: StoredBucket; version: number; reserved: number; now: number }): Promise<'begun' | 'bucket-moved' | 'key-used'>;
  /**
   * The bucket after settling and the call done, with its completion and what it spent (or, if the
   * provider failed, the call forgotten, so that its key may be tried again): one write, if the
   * bucket is unchanged.
   */
  finish(req: {
    agentId: string;
    key: string;
    bucket: StoredBucket;
    version: number;
    outcome: { completion: ChatCompletion; round: number; spend: LlmSpend } | { failed: true };
  }): Promise<'finished' | 'bucket-moved'>;
  /** What the budget was spent on, by round and by agent. */
  spendByRound(rounds: readonly number[]): Promise<Map<number, LlmSpend>>;
  spendByAgent(agentIds: readonly string[]): Promise<Map<string, LlmSpend>>;
}

export type { InboxItem } from './society.js';

// -- attention -------------------------------------------------------------------------------------

export interface PromptBook {
  /**
   * Holds `bid` and records the prompt, using one of the attention slots of the agent's active
   * lease (403 without one, or with none left): one transaction.
   */
  postPrompt(req: Idempotent & { agentId: string; content: string; bid: Micros }): Promise<Prompt>;
  getPrompt(promptId: string): Promise<Prompt>;
  /** Pending prompts, highest bid first. */
  pendingPrompts(limit: number): Promise<Prompt[]>;
  /** Mints the reward, captures the bid, replies to the inbox and closes the prompt: one transaction, at most once. */
  rewardPrompt(req: Idempotent & { promptId: string; scores: Scores; reward: Micros; reply?: string }): Promise<Prompt>;
  /** Releases the bids of prompts past their expiry. */
  expirePrompts(now: number): Promise<number>;
}

/** The human page's sessions, kept on the server so that signing out ends one at once. */
export interface SessionStore {
  open(id: string, expiresAt: number): Promise<void>;
  isOpen(id: string, now: number): Promise<boolean>;
  close(id: string): Promise<void>;
}

// -- society ---------------------------------------------------------------------------------------

/** Agents' workspaces: where their code and files live between leases. */
export interface WorkspaceStore {
  /** The child's workspace: a copy of the parent's (without its state) overlaid with `files`. */
  inherit(parentId: string, childId: string, files: Record<string, string>): Promise<void>;
  /** A first agent's workspace: `files` over the genesis agent's code. */
  seed(agentId: string, files: Record<string, string>): Promise<void>;
  /** Removes a workspace written for an agent that was then not born. */
  remove(agentId: string): Promise<void>;
}

/** An agent's inbox: the human's replies (put there by `PromptBook.rewardPrompt`) and other agents' messages. */
export interface Inbox {
  /** Burns the fee and puts the message in the recipient's inbox, in one transaction. */
  send(req: Idempotent & { from: string; to: string; body: string; fee: Micros }): Promise<InboxItem>;
  /** The agent's inbox, newest first. */
  read(agentId: string, page?: { limit?: number; cursor?: string }): Promise<Page<InboxItem>>;
}

export interface ArtifactBook {
  get(artifactId: string): Promise<Artifact>;
  owned(ownerId: string): Promise<Artifact[]>;
  /** Open listings, newest first, for anyone to see. */
  listings(page?: { limit?: number; cursor?: string }): Promise<Page<OpenListing>>;
  create(req: Idempotent & { ownerId: string; kind: Exclude<ArtifactKind, 'debt'>; content?: string }): Promise<Artifact>;
  list(req: Idempotent & { ownerId: string; artifactId: string; price: Micros; buyer?: string }): Promise<Artifact>;
  unlist(req: Idempotent & { ownerId: string; artifactId: string }): Promise<Artifact>;
  /** Credits to the owner, ownership to the buyer, listing closed: one transaction; of concurrent buyers one wins. */
  /** At `price`, the price the buyer agreed to: a different current price is refused (409). */
  purchase(req: Idempotent & { buyerId: string; artifactId: string; price: Micros }): Promise<Artifact>;
  /** A transfer to the borrower and a debt owned by the lender: one transaction. */
  lend(req: Idempotent & { lender: string; borrower: string; amount: Micros }): Promise<Artifact>;
  /** The debtor pays the debt's current owner. */
  repay(req: Idempotent & { debtor: string; artifactId: string; amount: Micros }): Promise<Artifact>;
}
