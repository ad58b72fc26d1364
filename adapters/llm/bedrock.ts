/** Amazon Bedrock through the Converse API (the provider in AWS). */
import type { LlmCompletion, LlmProvider, LlmRequest } from '../../economy/llm.js';
import { AwsService, type ServiceSpec } from '../aws/service.js';

export const BEDROCK_RUNTIME: ServiceSpec = { id: 'BEDROCK_RUNTIME', endpointPrefix: 'bedrock-runtime', signingName: 'bedrock' };

/** What this provider reads of Converse's answer. */
interface ConverseOutput {
  output?: { message?: { content?: { text?: string }[] } };
  usage?: { inputTokens?: number; outputTokens?: number };
}

export class BedrockProvider implements LlmProvider {
  readonly name = 'bedrock';

  constructor(
    readonly model: string,
    private readonly bedrock: AwsService = new AwsService(BEDROCK_RUNTIME),
  ) {}

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    const system = request.messages.filter((m) => m.role === 'system').map((m) => ({ text: m.content }));
    const messages = request.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: [{ text: m.content }] }));
    const res = await this.bedrock.send({
      method: 'POST',
      path: `/model/${encodeURIComponent(this.model)}/converse`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messages,
        ...(system.length ? { system } : {}),
        inferenceConfig: { maxTokens: request.maxTokens, ...(request.temperature !== undefined ? { temperature: request.temperature } : {}) },
      }),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const out = (await res.json()) as ConverseOutput;
    const text = (out.output?.message?.content ?? []).map((c) => c.text ?? '').join('');
    return { text, model: this.model, inputTokens: out.usage?.inputTokens ?? 0, outputTokens: out.usage?.outputTokens ?? 0 };
  }
}
