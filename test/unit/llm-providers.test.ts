/** Which provider the gateway uses, and the bucket a lease buys (Bedrock: test/integration/bedrock-provider.test.ts). */
import { describe, expect, it } from 'vitest';
import { OFFLINE_LABEL, OfflineProvider } from '../../adapters/llm/offline.js';
import { llmProviderFromEnv } from '../../adapters/llm/provider.js';
import { bucketSpecOf } from '../../economy/llm.js';

describe('provider choice and buckets', () => {
  it('is offline unless configured, and says so in every answer', async () => {
    const provider = llmProviderFromEnv({});
    expect(provider).toBeInstanceOf(OfflineProvider);
    const out = await provider.complete({ messages: [{ role: 'user', content: 'hello there' }], maxTokens: 100 });
    expect(out.text.startsWith(OFFLINE_LABEL)).toBe(true);
    expect(() => llmProviderFromEnv({ SYNTROPISM_LLM_PROVIDER: 'openai' })).toThrow(/OPENAI_BASE_URL/);
    expect(() => llmProviderFromEnv({ SYNTROPISM_LLM_PROVIDER: 'gpt' })).toThrow(/offline, openai or bedrock/);
  });

  it('spreads a lease’s tokens over its duration, holding one round’s worth', () => {
    expect(bucketSpecOf({ bundle: { vcpu: 0.25, memoryMiB: 512, tokens: 6000, attention: 0, durationSeconds: 600 } }, 60)).toEqual({ tokens: 6000, perSeconds: 600, capacity: 600 });
    // A lease shorter than a round: the bucket holds all its tokens.
    expect(bucketSpecOf({ bundle: { vcpu: 0.25, memoryMiB: 512, tokens: 500, attention: 0, durationSeconds: 30 } }, 60)).toEqual({ tokens: 500, perSeconds: 30, capacity: 500 });
  });
});
