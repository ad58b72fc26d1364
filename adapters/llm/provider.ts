/** Which LLM provider the gateway uses, from the environment (adapters/llm/settings.ts). */
import type { LlmProvider } from '../../economy/llm.js';
import { BedrockProvider } from './bedrock.js';
import { OfflineProvider } from './offline.js';
import { OpenAiCompatibleProvider } from './openai.js';
import { llmSettingsFromEnv } from './settings.js';

export function llmProviderFromEnv(env: Record<string, string | undefined>): LlmProvider {
  const settings = llmSettingsFromEnv(env);
  switch (settings.name) {
    case 'offline':
      return new OfflineProvider();
    case 'openai':
      return new OpenAiCompatibleProvider({ baseUrl: settings.baseUrl!, model: settings.model, ...(settings.apiKey ? { apiKey: settings.apiKey } : {}) });
    case 'bedrock':
      return new BedrockProvider(settings.model);
  }
}
