/**
 * LLM calls through the gateway: the provider port, the bucket a lease buys, the estimate a call
 * reserves, and what the budget costs. A lease's `tokens` are spread over its duration: the bucket
 * refills at tokens / durationSeconds per second and holds one round's worth (never more than the
 * lease's tokens).
 */
import type { Lease } from './market.js';
import { formatScaledDecimal } from './money.js';
import type { BucketSpec } from './token-bucket.js';

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmCompletion {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export interface LlmRequest {
  messages: LlmMessage[];
  maxTokens: number;
  temperature?: number;
  /** Aborts the call when the gateway's time is up. */
  signal?: AbortSignal;
}

/** Which model the gateway serves, as the market and the models list name it. */
export interface LlmModel {
  /** `offline` when no model is configured: its answers say so. */
  readonly name: 'bedrock' | 'openai' | 'offline';
  /** The model the gateway serves (`GET /v1/models`). */
  readonly model: string;
}

export interface LlmProvider extends LlmModel {
  complete(request: LlmRequest): Promise<LlmCompletion>;
}

/** A completion as the gateway returns it (and returns again, the same, for a replayed request). */
export interface ChatCompletion {
  id: string;
  /** Epoch seconds. */
  created: number;
  model: string;
  provider: LlmProvider['name'];
  text: string;
  finishReason: 'stop' | 'length';
  usage: { promptTokens: number; completionTokens: number };
}

export function bucketSpecOf(lease: Pick<Lease, 'bundle'>, roundSeconds: number): BucketSpec {
  const { tokens, durationSeconds } = lease.bundle;
  const oneRound = Math.ceil((tokens * roundSeconds) / durationSeconds);
  return { tokens, perSeconds: durationSeconds, capacity: Math.min(tokens, oneRound) };
}

/**
 * What a call's input may cost, counted before the call, on the safe side: a token for every three
 * bytes of text (English runs about four characters a token, most other scripts about one
 * character), and a few for each message's framing.
 */
export function estimateInputTokens(messages: readonly LlmMessage[]): number {
  return messages.reduce((sum, m) => sum + Math.ceil(Buffer.byteLength(m.content, 'utf8') / 3) + 4, 3);
}

/** The configured price of the LLM budget, in nano-dollars (10⁻⁹ $) per 1,000 tokens. */
export interface LlmPrices {
  inputPer1k: number;
  outputPer1k: number;
}

/** What the tokens of one call cost at the configured prices, in nano-dollars (rounded up). */
export function costOf(usage: { inputTokens: number; outputTokens: number }, prices: LlmPrices): number {
  return Math.ceil((usage.inputTokens * prices.inputPer1k + usage.outputTokens * prices.outputPer1k) / 1000);
}

/** What the budget was spent on: calls, tokens and their cost (nano-dollars). */
export interface LlmSpend {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cost: number;
}

export const noSpend = (): LlmSpend => ({ calls: 0, inputTokens: 0, outputTokens: 0, cost: 0 });

export const addSpend = (a: LlmSpend, b: LlmSpend): LlmSpend => ({ calls: a.calls + b.calls, inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, cost: a.cost + b.cost });

/** Nano-dollars as dollars, for people: "$0.000125". */
export function formatDollars(nano: number): string {
  return `$${formatScaledDecimal(nano, 9)}`;
}
