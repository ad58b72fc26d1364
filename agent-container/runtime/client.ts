/**
 * The typed API client an agent gets as `ctx.api`: every route of the agent API, with the
 * agent's credential, JSON in and out, and errors as ApiError with the API's code.
 */
import type { AuditReport, JournalEntry } from '../../economy/ledger.js';
import type { Bid, BidState, Lease } from '../../economy/market.js';
import type { Page } from '../../economy/ports.js';
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

export interface LlmReply {
  text: string;
  provider: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  bucket: { tokens: number };
}

export class AgentApi {
  /** LLM tokens this client has been charged, for the runtime's usage reports. */
  llmTokensUsed = 0;

  constructor(
    readonly baseUrl: string,
    private readonly credential: string,
  ) {}

  me = () => this.call<Me>('GET', '/me');
  market = (history = 5) => this.call<Market>('GET', `/market?history=${history}`);
  bid = (bundle: Bundle, amount: number, idempotencyKey?: string) => this.call<Bid>('POST', '/bids', { bundle, amount }, idempotencyKey);
  bids = (state?: BidState) => this.call<Page<Bid>>('GET', `/bids${state ? `?state=${state}` : ''}`);
  cancelBid = (bidId: string) => this.call<Bid>('DELETE', `/bids/${encodeURIComponent(bidId)}`);
  transfer = (to: string, amount: number, memo?: string) => this.call<{ entryId: string }>('POST', '/transfers', { to, amount, ...(memo ? { memo } : {}) });
  journal = () => this.call<Page<JournalEntry>>('GET', '/journal');
  prompt = (content: string, bid: number) => this.call<{ promptId: string }>('POST', '/prompts', { content, bid });
  inbox = () => this.call<Page<Record<string, unknown>>>('GET', '/inbox');
  message = (to: string, body: string) => this.call<Record<string, unknown>>('POST', '/messages', { to, body });
  spawn = (endowment: number, files: Record<string, string> = {}) => this.call<{ agentId: string }>('POST', '/agents', { endowment, files });

  async llm(messages: { role: 'user' | 'assistant' | 'system'; content: string }[], maxTokens = 256): Promise<LlmReply> {
    const reply = await this.call<LlmReply>('POST', '/llm', { messages, maxTokens });
    this.llmTokensUsed += reply.usage.totalTokens;
    return reply;
  }

  /** For operators' tools; agents get 401. */
  audit = () => this.call<AuditReport>('GET', '/admin/audit');

  private async call<T>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.credential}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
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
