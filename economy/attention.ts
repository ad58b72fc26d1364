/**
 * Attention and reward: the human's scores turn into new money. A prompt is scored 0–10 on
 * interesting, useful and understandable; the reward is the configured rate per point times the
 * sum (50 credits a point by default, at most 1,500 credits).
 */
import { ConflictError, ForbiddenError, ValidationError } from './errors.js';
import type { Lease } from './market.js';
import { assertMicros, mulMicros, type Micros } from './money.js';
import type { InboxItem } from './society.js';

export interface Scores {
  interesting: number;
  useful: number;
  understandable: number;
}

export type PromptState = 'pending' | 'rewarded' | 'expired';

export interface Prompt {
  promptId: string;
  agentId: string;
  leaseId: string;
  content: string;
  /** The attention bid, held until the prompt is rewarded (captured) or expires (released). */
  bid: Micros;
  holdId: string;
  state: PromptState;
  createdAt: number;
  expiresAt: number;
  scores?: Scores;
  reward?: Micros;
  reply?: string;
  closedAt?: number;
}

export const MAX_PROMPT_LENGTH = 4000;
export const MAX_REPLY_LENGTH = 4000;

export function assertScores(scores: Scores): void {
  for (const [name, value] of Object.entries(scores)) {
    if (!Number.isInteger(value) || value < 0 || value > 10) throw new ValidationError(`${name} must be an integer from 0 to 10`, { field: name });
  }
}

export function rewardFor(scores: Scores, perPoint: Micros): Micros {
  assertScores(scores);
  return mulMicros(perPoint, scores.interesting + scores.useful + scores.understandable);
}

/**
 * A prompt to the human: 1–MAX_PROMPT_LENGTH characters, a positive bid, posted during a lease
 * that bought attention. It waits `ttlSeconds` for the human, then expires.
 */
export function newPrompt(
  req: { agentId: string; content: string; bid: Micros },
  lease: Lease | undefined,
  at: { now: number; newId(): string },
  ttlSeconds: number,
): Prompt {
  assertMicros(req.bid, 'bid', 'positive');
  if (req.content.length === 0 || req.content.length > MAX_PROMPT_LENGTH) {
    throw new ValidationError(`content must be 1–${MAX_PROMPT_LENGTH} characters`, { field: 'content' });
  }
  if (!lease || lease.bundle.attention === 0) throw new ForbiddenError('a prompt needs attention in the active lease');
  const promptId = at.newId();
  return {
    promptId,
    agentId: req.agentId,
    leaseId: lease.leaseId,
    content: req.content,
    bid: req.bid,
    holdId: promptId,
    state: 'pending',
    createdAt: at.now,
    expiresAt: at.now + ttlSeconds * 1000,
  };
}

/** A pending prompt rewarded, once: the scores, the reward, the reply (at most MAX_REPLY_LENGTH characters), and the reply's inbox item. */
export function rewarded(
  prompt: Prompt,
  req: { scores: Scores; reward: Micros; reply?: string },
  at: { now: number; newId(): string },
): { prompt: Prompt; reply: InboxItem } {
  if (req.reply !== undefined && req.reply.length > MAX_REPLY_LENGTH) {
    throw new ValidationError(`reply must be at most ${MAX_REPLY_LENGTH} characters`, { field: 'reply' });
  }
  if (prompt.state !== 'pending') throw new ConflictError(`prompt ${prompt.promptId} is already ${prompt.state}`);
  return {
    prompt: { ...prompt, state: 'rewarded', scores: req.scores, reward: req.reward, ...(req.reply ? { reply: req.reply } : {}), closedAt: at.now },
    reply: { itemId: at.newId(), kind: 'reply', from: 'human', body: req.reply ?? '', promptId: prompt.promptId, reward: req.reward, at: at.now },
  };
}
