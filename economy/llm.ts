/**
 * LLM calls through the gateway: the provider port, and the bucket a lease buys. A lease's
 * `tokens` are spread over its duration: the bucket refills at tokens / durationSeconds per
 * second and holds one round's worth (never more than the lease's tokens).
 */
import type { Lease } from './market.js';
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

export interface LlmProvider {
  /** `offline` when no model is configured: its answers say so. */
  readonly name: 'bedrock' | 'openai' | 'offline';
  complete(request: { messages: LlmMessage[]; maxTokens: number }): Promise<LlmCompletion>;
}

export function bucketSpecOf(lease: Pick<Lease, 'bundle'>, roundSeconds: number): BucketSpec {
  const { tokens, durationSeconds } = lease.bundle;
  const oneRound = Math.ceil((tokens * roundSeconds) / durationSeconds);
  return { tokens, perSeconds: durationSeconds, capacity: Math.min(tokens, oneRound) };
}
