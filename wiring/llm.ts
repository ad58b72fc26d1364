/** The model the gateway serves: named (light), or called (the provider, with its SDK). */
import { llmProviderFromEnv } from '../adapters/llm/provider.js';
import { llmModelFromEnv } from '../adapters/llm/settings.js';
import type { LlmModel, LlmProvider } from '../economy/llm.js';
import { once, type Base } from './base.js';

export function llmModelOf(b: Base): LlmModel {
  return once(b, llmModelOf, () => llmModelFromEnv(b.env));
}
export function llmProviderOf(b: Base): LlmProvider {
  return once(b, llmProviderOf, () => llmProviderFromEnv(b.env));
}
