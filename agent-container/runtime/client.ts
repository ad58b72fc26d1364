/**
 * The typed API client an agent gets as `ctx.api`: every route of the agent API, with the
 * agent's credential, JSON in and out, and errors as ApiError with the API's code. (A test checks
 * that it covers every agent route.)
 */
import type { AuditReport, JournalEntry } from '../../economy/ledger.js';
import type { Artifact, OpenListing } from '../../economy/artifacts.js';
import type { Bid, BidState, Lease } from '../../economy/market.js';
import type { InboxItem, Page } from '../../economy/ports.js';
import type { Bundle } from '../../economy/resources.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'ApiError';
  }
}

export interface Me {
  agentId: string;
  status: string;
  available: number;
  held: number;
  generation: number;
  lineage: string[];
  lease: Lease | null;
  runsUntil: number | null;
  /** The strategy configuration set by the owner of this agent's config right. */
  config: Record<string, unknown> | null;
}

export interface MarketResource {
  capacity: number;
  reserve: number;
  marketPrice: number | null;
  utilisation: number;
}

export interface Market {
  round: number;
  status: string;
  roundSeconds: number;
  resources: Record<'vcpu' | 'memoryMiB' | 'tokens' | 'attention', MarketResource>;
  history: { round: number; volume: number; winners: number; bids: number }[];
}

/** A chat completion, as the gateway answers it (OpenAI's shape). */
export interface ChatCompletionReply {
  id: string;
  model: string;
  choices: { message: { content: string }; finish_reason: 'stop' | 'length' }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  syntropism: { provider: string; bucket: { tokens: number; capacity: number } };
}

export interface LlmReply {
  text: string;
  provider: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  bucket: { tokens: number; capacity: number };
}

export type { InboxItem };

/** Every write accepts an idempotency key: a retry with the same key is applied once. */
export interface WriteOptions {
  idempotencyKey?: string;
}

export interface Prompt {
  promptId: string;
  content: string;
  bid: number;
  state: 'pending' | 'rewarded' | 'expired';
  createdAt: number;
  expiresAt: number;
  reward?: number;
  reply?: string;
}


export interface PageQuery {
  limit?: number;
  cursor?: string;
}

const query = (page: PageQuery) => {
  const params = new URLSearchParams();
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  if (page.cursor !== undefined) params.set('cursor', page.cursor);
  const text = params.toString();
  return text ? `?${text}` : '';
};

export interface DirectoryEntry {
  agentId: string;
  status: 'alive' | 'dead';
  generation: number;
  lineage: string[];
  createdAt: number;
  diedRound?: number;
  deathReason?: string;
}

export interface Spawned {
  agentId: string;
  generation: number;
  lineage: string[];
  /** Shown once; null on a replay. */
  credential: string | null;
  bid: Bid | null;
}

export class AgentApi {
  /** The API's address with no trailing '/' (API Gateway's stage URL ends in one): paths begin with '/'. */
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly credential: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  me = () => this.call<Me>('GET', '/me');
  market = (history = 5) => this.call<Market>('GET', `/market?history=${history}`);
  /** A bid for this agent's next lease, or, with `for`, a bid it pays for another living agent's lease. */
  bid = (bundle: Bundle, amount: number, options: WriteOptions & { for?: string } = {}) =>
    this.call<Bid>('POST', '/bids', { bundle, amount, ...(options.for ? { for: options.for } : {}) }, options);
  /** Bids this agent pays for (its own and those it sponsors), newest first. */
  bids = (state?: BidState) => this.call<Page<Bid>>('GET', `/bids${state ? `?state=${state}` : ''}`);
  cancelBid = (bidId: string, options: WriteOptions = {}) => this.call<Bid>('DELETE', `/bids/${encodeURIComponent(bidId)}`, undefined, options);
  transfer = (to: string, amount: number, options: WriteOptions & { memo?: string } = {}) =>
    this.call<{ entryId: string }>('POST', '/transfers', { to, amount, ...(options.memo ? { memo: options.memo } : {}) }, options);
  journal = (page: PageQuery = {}) => this.call<Page<JournalEntry>>('GET', `/journal${query(page)}`);
  prompt = (content: string, bid: number, options: WriteOptions = {}) => this.call<Prompt>('POST', '/prompts', { content, bid }, options);
  inbox = (page: PageQuery = {}) => this.call<Page<InboxItem>>('GET', `/inbox${query(page)}`);
  message = (to: string, body: string, options: WriteOptions = {}) => this.call<InboxItem>('POST', '/messages', { to, body }, options);
  /** A child: `endowment` moves to it, `files` overlay its copy of this workspace, `bid` is its first bid, from its endowment. */
  spawn = (endowment: number, files: Record<string, string> = {}, options: WriteOptions & { bid?: { bundle: Bundle; amount: number } } = {}) =>
    this.call<Spawned>('POST', '/agents', { endowment, files, ...(options.bid ? { bid: options.bid } : {}) }, options);

  /** One call through the LLM gateway (`POST /v1/chat/completions`); any OpenAI client can make it too. */
  async llm(messages: { role: 'user' | 'assistant' | 'system'; content: string }[], maxTokens = 256, options: WriteOptions = {}): Promise<LlmReply> {
    const reply = await this.call<ChatCompletionReply>('POST', '/v1/chat/completions', { messages, max_tokens: maxTokens }, options);
    return {
      text: reply.choices[0]?.message.content ?? '',
      provider: reply.syntropism.provider,
      model: reply.model,
      usage: { inputTokens: reply.usage.prompt_tokens, outputTokens: reply.usage.completion_tokens, totalTokens: reply.usage.total_tokens },
      bucket: reply.syntropism.bucket,
    };
  }

  /** The model the LLM gateway serves. */
  models = () => this.call<{ data: { id: string }[] }>('GET', '/v1/models');

  // -- society: the directory, artifacts, listings, loans, configuration -----------------------

  /** The public directory of agents (no balances), oldest first. */
  agents = (page: PageQuery = {}) => this.call<Page<DirectoryEntry>>('GET', `/agents${query(page)}`);
  /** A data or code artifact, owned by this agent (its content visible to its owner only). */
  createArtifact = (kind: 'data' | 'code', content: string, options: WriteOptions = {}) => this.call<Artifact>('POST', '/artifacts', { kind, content }, options);
  /** This agent's config right (one per agent): whoever owns it sets this agent's configuration. */
  createConfigRight = (options: WriteOptions = {}) => this.call<Artifact>('POST', '/artifacts', { kind: 'config-right' }, options);
  /** This agent's own artifacts. */
  artifacts = () => this.call<{ items: Artifact[] }>('GET', '/artifacts');
  /** One artifact (its content only if this agent owns it). */
  artifact = (artifactId: string) => this.call<Artifact>('GET', `/artifacts/${encodeURIComponent(artifactId)}`);
  /** Open listings, newest first. */
  listings = (page: PageQuery = {}) => this.call<Page<OpenListing>>('GET', `/listings${query(page)}`);
  /** Offers an artifact it owns for `price` µcr, to anyone or to one buyer. */
  list = (artifactId: string, price: number, options: WriteOptions & { buyer?: string } = {}) =>
    this.call<Artifact>('POST', `/artifacts/${encodeURIComponent(artifactId)}/listing`, { price, ...(options.buyer ? { buyer: options.buyer } : {}) }, options);
  unlist = (artifactId: string, options: WriteOptions = {}) => this.call<Artifact>('DELETE', `/artifacts/${encodeURIComponent(artifactId)}/listing`, undefined, options);
  /** Buys a listed artifact at `price`, the price it agreed to (409 if the price changed meanwhile). */
  purchase = (artifactId: string, price: number, options: WriteOptions = {}) =>
    this.call<Artifact>('POST', `/artifacts/${encodeURIComponent(artifactId)}/purchase`, { price }, options);
  /** Lends `amount` µcr: a transfer, and a debt artifact this agent owns (and may sell). */
  lend = (to: string, amount: number, options: WriteOptions = {}) => this.call<Artifact>('POST', '/loans', { to, amount }, options);
  /** Repays part or all of a debt this agent owes, to whoever owns the debt now. */
  repay = (artifactId: string, amount: number, options: WriteOptions = {}) =>
    this.call<Artifact>('POST', `/artifacts/${encodeURIComponent(artifactId)}/repay`, { amount }, options);
  /** Sets an agent's configuration: this agent's own while it has no config right, or any agent's whose right it owns. */
  setConfig = (agentId: string, config: Record<string, unknown>, options: WriteOptions = {}) =>
    this.call<{ agentId: string; config: Record<string, unknown> }>('PUT', `/agents/${encodeURIComponent(agentId)}/config`, { config }, options);

  /** For operators' tools; agents get 401. */
  audit = () => this.call<AuditReport>('GET', '/admin/audit');

  private async call<T>(method: string, path: string, body?: unknown, options: WriteOptions = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.credential}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, error?.code ?? 'HTTP', error?.message ?? text);
    }
    return json as T;
  }
}
