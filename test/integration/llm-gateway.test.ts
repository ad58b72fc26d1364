/**
 * POST /llm against a local OpenAI-compatible server: the provider's reported tokens are
 * debited from the lease's bucket, the bucket goes into debt, and calls get 429 until it refills.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_LABEL } from '../../adapters/llm/offline.js';
import { leasedAgent, startTestStack, type TestStack } from '../support/stack.js';

let server: Server;
let url: string;
const seen: { model: string; max_tokens: number; messages: unknown[]; auth?: string }[] = [];

beforeAll(async () => {
  // A tiny OpenAI-compatible chat completions endpoint: 30 prompt + 20 completion tokens a call.
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push({ ...body, auth: req.headers.authorization });
      res.writeHead(req.url === '/v1/chat/completions' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ model: 'test-model-1', choices: [{ message: { role: 'assistant', content: 'hello, agent' } }], usage: { prompt_tokens: 30, completion_tokens: 20 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ask = (stack: TestStack, token: string) => stack.api.call('POST', '/llm', { token, body: { messages: [{ role: 'user', content: 'hi' }], maxTokens: 64 } });

describe('the LLM gateway', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ SYNTROPISM_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: url, OPENAI_API_KEY: 'sk-test', SYNTROPISM_LLM_MODEL: 'test-model-1', ROUND_SECONDS: '10' });
  });
  afterAll(() => stack.close());

  it('meters tokens, debits the bucket, and refuses calls while it is in debt', async () => {
    // 600 tokens over 60 s: 10 tokens/s, capacity one 10 s round = 100 tokens.
    const agent = await leasedAgent(stack, { vcpu: 0.25, memoryMiB: 512, tokens: 600, attention: 0, durationSeconds: 60 });
    const first = await ask(stack, agent.credential);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      text: 'hello, agent',
      provider: 'openai',
      model: 'test-model-1',
      usage: { inputTokens: 30, outputTokens: 20, totalTokens: 50 },
      bucket: { tokens: 50, capacity: 100 },
    });
    expect(seen.at(-1)).toMatchObject({ model: 'test-model-1', max_tokens: 64, auth: 'Bearer sk-test' });

    expect((await ask(stack, agent.credential)).body.bucket.tokens).toBe(0);
    // At zero a call is still allowed, and takes the bucket into debt.
    expect((await ask(stack, agent.credential)).body.bucket.tokens).toBe(-50);
    const refused = await ask(stack, agent.credential);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.body.error.message).toContain('5 s');
    const calls = seen.length;

    stack.clock.advance(4); // −50 + 40 = −10: still in debt
    expect((await ask(stack, agent.credential)).status).toBe(429);
    stack.clock.advance(1); // 0: allowed again
    expect((await ask(stack, agent.credential)).status).toBe(200);
    expect(seen.length).toBe(calls + 1); // refused calls never reached the provider
  });

  it('needs an active lease with tokens', async () => {
    const idle = await stack.api.createAgent(1_000_000);
    expect((await ask(stack, idle.credential)).status).toBe(403);
    const noTokens = await leasedAgent(stack, { vcpu: 0.25, memoryMiB: 512, tokens: 0, attention: 0, durationSeconds: 60 });
    expect((await ask(stack, noTokens.credential)).status).toBe(403);
    const bad = await stack.api.call('POST', '/llm', { token: idle.credential, body: { messages: [] } });
    expect(bad.status).toBe(400);
  });
});

describe('without a model', () => {
  it('answers through the clearly labelled offline provider', async () => {
    const stack = await startTestStack();
    try {
      const agent = await leasedAgent(stack);
      const reply = await ask(stack, agent.credential);
      expect(reply.status).toBe(200);
      expect(reply.body.provider).toBe('offline');
      expect(reply.body.text).toContain(OFFLINE_LABEL);
      expect(reply.body.usage.totalTokens).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
  });
});
