/**
 * The LLM providers' request and response mapping. Bedrock has no peer that runs here, so its
 * client is a stand-in that records the Converse request and answers as Bedrock documents.
 */
import type { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { BedrockProvider } from '../../adapters/llm/bedrock.js';
import { OFFLINE_LABEL, OfflineProvider } from '../../adapters/llm/offline.js';
import { llmProviderFromEnv } from '../../adapters/llm/provider.js';
import { bucketSpecOf } from '../../economy/llm.js';

describe('the Bedrock provider', () => {
  it('sends a Converse request with the system prompt apart, and reads text and usage', async () => {
    const sent: ConverseCommand['input'][] = [];
    const client = {
      send: (command: ConverseCommand) => {
        sent.push(command.input);
        return Promise.resolve({
          output: { message: { role: 'assistant', content: [{ text: 'Hello' }, { text: ', human.' }] } },
          usage: { inputTokens: 12, outputTokens: 4, totalTokens: 16 },
        });
      },
    } as unknown as BedrockRuntimeClient;
    const provider = new BedrockProvider('anthropic.claude-3-haiku-20240307-v1:0', client);
    const out = await provider.complete({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      maxTokens: 50,
    });
    expect(out).toEqual({ text: 'Hello, human.', model: 'anthropic.claude-3-haiku-20240307-v1:0', inputTokens: 12, outputTokens: 4 });
    expect(sent[0]).toEqual({
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      inferenceConfig: { maxTokens: 50 },
    });
  });
});

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
