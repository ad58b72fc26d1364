/**
 * The offline provider, for local runs without a model: it answers every call with a clearly
 * labelled canned reply and counts tokens roughly (4 characters a token), so buckets and metering
 * behave as they would with a real model.
 */
import type { LlmCompletion, LlmProvider, LlmRequest } from '../../economy/llm.js';

export const OFFLINE_LABEL = '[offline LLM provider: no model is configured; this is not a model output]';

const roughTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export class OfflineProvider implements LlmProvider {
  readonly name = 'offline';
  readonly model = 'offline';

  complete(request: LlmRequest): Promise<LlmCompletion> {
    const last = request.messages.at(-1)?.content ?? '';
    const text = `${OFFLINE_LABEL} You said ${roughTokens(last)} tokens' worth, starting "${last.slice(0, 60)}".`;
    const outputTokens = Math.min(request.maxTokens, roughTokens(text));
    return Promise.resolve({
      text,
      model: 'offline',
      inputTokens: request.messages.reduce((n, m) => n + roughTokens(m.content), 0),
      outputTokens,
    });
  }
}
