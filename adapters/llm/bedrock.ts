/** Amazon Bedrock through the Converse API (the provider in AWS). */
import { BedrockRuntimeClient, ConverseCommand, type Message } from '@aws-sdk/client-bedrock-runtime';
import type { LlmCompletion, LlmMessage, LlmProvider } from '../../economy/llm.js';

export class BedrockProvider implements LlmProvider {
  readonly name = 'bedrock';
  private readonly client: BedrockRuntimeClient;

  constructor(
    private readonly modelId: string,
    client?: BedrockRuntimeClient,
  ) {
    this.client = client ?? new BedrockRuntimeClient({});
  }

  async complete(request: { messages: LlmMessage[]; maxTokens: number }): Promise<LlmCompletion> {
    const system = request.messages.filter((m) => m.role === 'system').map((m) => ({ text: m.content }));
    const messages: Message[] = request.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: [{ text: m.content }] }));
    const out = await this.client.send(
      new ConverseCommand({ modelId: this.modelId, messages, ...(system.length ? { system } : {}), inferenceConfig: { maxTokens: request.maxTokens } }),
    );
    const text = (out.output?.message?.content ?? []).map((c) => c.text ?? '').join('');
    return { text, model: this.modelId, inputTokens: out.usage?.inputTokens ?? 0, outputTokens: out.usage?.outputTokens ?? 0 };
  }
}
