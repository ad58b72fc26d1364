/** Amazon Bedrock through the Converse API (the provider in AWS). */
import { BedrockRuntimeClient, ConverseCommand, type Message } from '@aws-sdk/client-bedrock-runtime';
import type { LlmCompletion, LlmProvider, LlmRequest } from '../../economy/llm.js';

export class BedrockProvider implements LlmProvider {
  readonly name = 'bedrock';
  private readonly client: BedrockRuntimeClient;

  constructor(
    readonly model: string,
    client?: BedrockRuntimeClient,
  ) {
    this.client = client ?? new BedrockRuntimeClient({});
  }

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    const system = request.messages.filter((m) => m.role === 'system').map((m) => ({ text: m.content }));
    const messages: Message[] = request.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: [{ text: m.content }] }));
    const out = await this.client.send(
      new ConverseCommand({
        modelId: this.model,
        messages,
        ...(system.length ? { system } : {}),
        inferenceConfig: { maxTokens: request.maxTokens, ...(request.temperature !== undefined ? { temperature: request.temperature } : {}) },
      }),
      request.signal ? { abortSignal: request.signal } : {},
    );
    const text = (out.output?.message?.content ?? []).map((c) => c.text ?? '').join('');
    return { text, model: this.model, inputTokens: out.usage?.inputTokens ?? 0, outputTokens: out.usage?.outputTokens ?? 0 };
  }
}
