/**
 * Which model the gateway serves, from the environment (`SYNTROPISM_LLM_PROVIDER`,
 * `SYNTROPISM_LLM_MODEL`, `OPENAI_BASE_URL`, `OPENAI_API_KEY`), without loading any provider:
 * the routes that only name the model (the market, the models list, the human page) stay small.
 */
import type { LlmModel } from '../../economy/llm.js';

export const DEFAULT_MODELS = { bedrock: 'anthropic.claude-3-haiku-20240307-v1:0', openai: 'gpt-4o-mini', offline: 'offline' } as const;

export interface LlmSettings extends LlmModel {
  /** The OpenAI-compatible server (openai only). */
  readonly baseUrl?: string;
  readonly apiKey?: string;
}

export function llmSettingsFromEnv(env: Record<string, string | undefined>): LlmSettings {
  const name = env.SYNTROPISM_LLM_PROVIDER ?? 'offline';
  switch (name) {
    case 'offline':
      return { name, model: DEFAULT_MODELS.offline };
    case 'openai': {
      const baseUrl = env.OPENAI_BASE_URL;
      if (!baseUrl) throw new Error('SYNTROPISM_LLM_PROVIDER=openai needs OPENAI_BASE_URL');
      return { name, model: env.SYNTROPISM_LLM_MODEL ?? DEFAULT_MODELS.openai, baseUrl, ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}) };
    }
    case 'bedrock':
      return { name, model: env.SYNTROPISM_LLM_MODEL ?? DEFAULT_MODELS.bedrock };
    default:
      throw new Error(`SYNTROPISM_LLM_PROVIDER must be offline, openai or bedrock, not ${name}`);
  }
}

/** The model alone (what `GET /market` and `GET /v1/models` show). */
export function llmModelFromEnv(env: Record<string, string | undefined>): LlmModel {
  const { name, model } = llmSettingsFromEnv(env);
  return { name, model };
}
