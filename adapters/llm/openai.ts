/** Any OpenAI-compatible chat completions endpoint (OpenAI, vLLM, llama.cpp server, Ollama...). */
import type { LlmCompletion, LlmMessage, LlmProvider } from '../../economy/llm.js';

export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai';

  constructor(
    private readonly options: { baseUrl: string; apiKey?: string; model: string; timeoutMs?: number },
  ) {}

  async complete(request: { messages: LlmMessage[]; maxTokens: number }): Promise<LlmCompletion> {
    const res = await fetch(`${this.options.baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: this.options.model, messages: request.messages, max_tokens: request.maxTokens }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
    });
    if (!res.ok) throw new Error(`LLM provider answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as {
      model?: string;
      choices?: { message?: { content?: string } }[];
      usage?: { prompt_tokens?: number; completion_tokens?: number };
    };
    return {
      text: body.choices?.[0]?.message?.content ?? '',
      model: body.model ?? this.options.model,
      inputTokens: body.usage?.prompt_tokens ?? 0,
      outputTokens: body.usage?.completion_tokens ?? 0,
    };
  }
}
