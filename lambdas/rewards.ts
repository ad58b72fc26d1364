/** Rewarding a prompt, shared by the JSON admin route and the human page's form. */
import { rewardFor, type Scores } from '../economy/attention.js';
import type { Config } from '../economy/config.js';
import { assertId } from '../economy/ids.js';
import type { PromptBook } from '../economy/ports.js';

export interface RewardDeps {
  prompts: Pick<PromptBook, 'rewardPrompt'>;
  config: Pick<Config, 'rewardPerPoint'>;
}

export function rewardPrompt(deps: RewardDeps, req: { promptId: string; scores: Scores; reply?: string; idempotencyKey: string }) {
  // An id of the shape ids have: anything else is no prompt (and no key DynamoDB would take).
  assertId(req.promptId, 'promptId');
  const reward = rewardFor(req.scores, deps.config.rewardPerPoint);
  return deps.prompts.rewardPrompt({ ...req, reward });
}
