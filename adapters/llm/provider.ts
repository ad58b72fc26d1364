/** Which LLM provider the gateway uses, from the environment. */
import type { LlmProvider } from '../../economy/llm.js';
import { BedrockProvider } from './bedrock.js';
import { OfflineProvider } from './offline.js';
import { OpenAiCompatibleProvider } from './openai.js';

export function llmProviderFromEnv(env: Record<string, string | undefined>): LlmProvider {
  const kind = env.SYNTROPISM_LLM_PROVIDER ?? 'offline';
  switch (kind) {
    case 'offline':
      return new OfflineProvider();
    case 'openai': {
      const baseUrl = env.OPENAI_BASE_URL;
      if (!baseUrl) throw new Error('SYNTROPISM_LLM_PROVIDER=openai needs OPENAI_BASE_URL');
      return new OpenAiCompatibleProvider({ baseUrl, model: env.SYNTROPISM_LLM_MODEL ?? 'gpt-4o-mini', ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}) });
    }
    case 'bedrock':
      return new BedrockProvider(env.SYNTROPISM_LLM_MODEL ?? 'anthropic.claude-3-haiku-20240307-v1:0');
    default:
      throw new Error(`SYNTROPISM_LLM_PROVIDER must be offline, openai or bedrock, not ${kind}`);
  }
}
