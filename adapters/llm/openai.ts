/** Any OpenAI-compatible chat completions endpoint upstream (OpenAI, vLLM, llama.cpp server, Ollama...). */
import type { LlmCompletion, LlmProvider, LlmRequest } from '../../economy/llm.js';

export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai';
  readonly model: string;

  constructor(private readonly options: { baseUrl: string; apiKey?: string; model: string }) {
    this.model = options.model;
  }

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    const res = await fetch(`${this.options.baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: this.model,
        messages: request.messages,
        max_tokens: request.maxTokens,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      }),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    if (!res.ok) throw new Error(`the upstream model answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as {
      model?: string;
      choices?: { message?: { content?: string } }[];
      usage?: { prompt_tokens?: number; completion_tokens?: number };
    };
    return {
      text: body.choices?.[0]?.message?.content ?? '',
      model: body.model ?? this.model,
      inputTokens: body.usage?.prompt_tokens ?? 0,
      outputTokens: body.usage?.completion_tokens ?? 0,
    };
  }
}
