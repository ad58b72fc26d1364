/**
 * Attention and reward: the human's scores turn into new money. A prompt is scored 0–10 on
 * interesting, useful and understandable; the reward is the configured rate per point times the
 * sum (50 credits a point by default, at most 1,500 credits).
 */
import { ValidationError } from './errors.js';
import { mulMicros, type Micros } from './money.js';

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
