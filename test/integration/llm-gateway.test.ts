/**
 * The LLM gateway through OpenAI's own client (the `openai` package) against the local gateway,
 * with a scripted OpenAI-compatible server as the upstream model: completions with usage,
 * streaming, the models list; reservations that no burst can overspend; 429 (RateLimitError, with
 * Retry-After) when the bucket cannot cover a call, 400 when a call is larger than its capacity; a
 * replay under the same Idempotency-Key that returns the same completion, charged once; debt that
 * carries over to the next lease; a provider that does not answer in time, settled, not free.
 */
import { createServer, type Server } from 'node:http';
import OpenAI, { BadRequestError, InternalServerError, PermissionDeniedError, RateLimitError, UnprocessableEntityError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_LABEL } from '../../adapters/llm/offline.js';
import { tokensIn } from '../../economy/token-bucket.js';
import { leasedAgent, startTestStack, type TestStack } from '../support/stack.js';

let server: Server;
let upstream: string;
const seen: { model: string; max_tokens: number; messages: { content: string }[]; auth?: string }[] = [];

beforeAll(async () => {
  // A scripted OpenAI-compatible model: 5 prompt tokens, and as many completion tokens as asked,
  // up to 20. A message containing "slowly" is answered after 2 s.
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push({ ...body, auth: req.headers.authorization });
      const answer = () => {
        res.writeHead(req.url === '/v1/chat/completions' ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ model: 'test-model-1', choices: [{ message: { role: 'assistant', content: 'hello, agent' } }], usage: { prompt_tokens: 5, completion_tokens: Math.min(20, body.max_tokens) } }));
      };
      if (raw.includes('slowly')) setTimeout(answer, 2000);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  upstream = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (stack: TestStack, credential: string) => new OpenAI({ apiKey: credential, baseURL: `${stack.gateway.url}/v1`, maxRetries: 0 });
const hi = [{ role: 'user' as const, content: 'hi' }];
const bucketOf = async (stack: TestStack, agentId: string) => {
  const stored = (await stack.deps.llmLedger.bucket(agentId))!.bucket;
  return tokensIn(stored.state, stored.spec);
};

/** 600 tokens over 60 s: 10 tokens/s, and (10-s rounds) a capacity of 100. */
const TOKEN_LEASE = { vcpu: 0.25, memoryMiB: 512, tokens: 600, attention: 0, durationSeconds: 60 };

describe('the LLM gateway, through the OpenAI client', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ SYNTROPISM_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: upstream, OPENAI_API_KEY: 'sk-upstream', SYNTROPISM_LLM_MODEL: 'test-model-1', ROUND_SECONDS: '10', SYNTROPISM_LLM_TIMEOUT_SECONDS: '1' });
  });
  afterAll(() => stack.close());

  it('answers a completion with its usage, and lists its model', async () => {
    const agent = await leasedAgent(stack, TOKEN_LEASE);
    const openai = client(stack, agent.credential);
    const completion = await openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 16 });
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'test-model-1', choices: [{ index: 0, message: { role: 'assistant', content: 'hello, agent' }, finish_reason: 'length' }] });
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 16, total_tokens: 21 });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(seen.at(-1)).toMatchObject({ model: 'test-model-1', max_tokens: 16, auth: 'Bearer sk-upstream' });
    // Charged what was used, and metered for the lease.
    expect(await bucketOf(stack, agent.agentId)).toBe(100 - 21);
    expect(await stack.deps.usage.get(agent.agentId, agent.lease.leaseId)).toMatchObject({ llmTokens: 21 });
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['test-model-1']);
    // The older field, as many clients still send it.
    const legacy = await stack.api.call('POST', '/v1/chat/completions', { token: agent.credential, body: { model: 'any', messages: hi, max_tokens: 7 } });
    expect(legacy.body.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
  });

  it('streams, as server-sent events', async () => {
    const agent = await leasedAgent(stack, TOKEN_LEASE);
    const stream = await client(stack, agent.credential).chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 10, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage;
    let finish;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason ?? undefined;
      usage ??= chunk.usage ?? undefined;
    }
    expect(text).toBe('hello, agent');
    expect(finish).toBe('length');
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 10, total_tokens: 15 });
  });

  it('returns the first completion for a replayed Idempotency-Key, charged once', async () => {
    const agent = await leasedAgent(stack, TOKEN_LEASE);
    const openai = client(stack, agent.credential);
    const calls = seen.length;
    const options = { headers: { 'Idempotency-Key': 'think-once' } };
    const first = await openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 10 }, options);
    const again = await openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 10 }, options);
    expect(again.id).toBe(first.id);
    expect(seen.length).toBe(calls + 1);
    expect(await bucketOf(stack, agent.agentId)).toBe(100 - 15);
    await expect(openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 11 }, options)).rejects.toBeInstanceOf(UnprocessableEntityError);
  });

  it('makes a new call for a key used again after its idempotency window', async () => {
    const windowed = await startTestStack({ SYNTROPISM_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: upstream, SYNTROPISM_LLM_MODEL: 'test-model-1', ROUND_SECONDS: '10', SYNTROPISM_IDEMPOTENCY_TTL_SECONDS: '60' });
    try {
      const agent = await leasedAgent(windowed, { ...TOKEN_LEASE, tokens: 6000, durationSeconds: 600 });
      const openai = client(windowed, agent.credential);
      const options = { headers: { 'Idempotency-Key': 'reused-later' } };
      const first = await openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 10 }, options);
      windowed.clock.advance(61);
      const later = await openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 11 }, options);
      expect(later.usage?.completion_tokens).toBe(11);
      expect(later.id).not.toBe(first.id);
      expect(await windowed.deps.usage.get(agent.agentId, agent.lease.leaseId)).toMatchObject({ llmTokens: 15 + 16 });
    } finally {
      await windowed.close();
    }
  });

  it('never lets 30 concurrent calls spend beyond the bucket, its refill and its debt floor', async () => {
    const agent = await leasedAgent(stack, TOKEN_LEASE);
    const openai = client(stack, agent.credential);
    const calls = seen.length;
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 20 })));
    const served = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as RateLimitError);
    // Each reserves 8 (its input's estimate) + 20 and spends 25: the clock stands still, so all that
    // may be spent is the capacity and the debt floor, 200 tokens.
    expect(served.length * 28).toBeLessThanOrEqual(200);
    expect(served.length).toBeGreaterThan(0);
    expect(refused.every((e) => e instanceof RateLimitError)).toBe(true);
    expect(seen.length - calls).toBe(served.length); // a refused call never reaches the model
    expect(await bucketOf(stack, agent.agentId)).toBeGreaterThanOrEqual(-100);
    const limited = refused[0]!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Time refills it at the bought rate.
    stack.clock.advance(Number(limited.headers.get('retry-after')));
    expect((await openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 20 })).usage?.total_tokens).toBe(25);
  });

  it('refuses a call larger than the bucket can ever hold, and one without a lease with tokens', async () => {
    const agent = await leasedAgent(stack, TOKEN_LEASE);
    const far = client(stack, agent.credential).chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 5_000 });
    await expect(far).rejects.toBeInstanceOf(BadRequestError);
    await expect(far).rejects.toMatchObject({ error: { type: 'invalid_request_error', param: 'max_tokens' } });
    const idle = await stack.api.createAgent(1_000_000);
    await expect(client(stack, idle.credential).chat.completions.create({ model: 'any', messages: hi })).rejects.toBeInstanceOf(PermissionDeniedError);
    const noTokens = await leasedAgent(stack, { ...TOKEN_LEASE, tokens: 0 });
    await expect(client(stack, noTokens.credential).chat.completions.create({ model: 'any', messages: hi })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(client(stack, agent.credential).chat.completions.create({ model: 'any', messages: [] })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('carries debt over to the agent’s next lease', async () => {
    const agent = await leasedAgent(stack, TOKEN_LEASE);
    const openai = client(stack, agent.credential);
    // A renewal is won; a second before the lease ends, the agent spends into debt.
    await stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle: TOKEN_LEASE, amount: 5_000_000 } });
    stack.clock.advance(10);
    await stack.oracle();
    stack.clock.t = agent.lease.endsAt - 1000;
    for (;;) {
      const r = await openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 20 }).catch((e: unknown) => e);
      if (r instanceof RateLimitError) break;
    }
    // Reserving 28 from −50 reaches −78, from −75 it would pass the floor: the drain stops at −75.
    expect(await bucketOf(stack, agent.agentId)).toBe(-75);
    // Two seconds later the renewal runs: 20 tokens have refilled, the rest is still owed, and the
    // next call spends from there (a fresh bucket would have been full).
    stack.clock.t = agent.lease.endsAt + 1000;
    const me = (await stack.api.call('GET', '/me', { token: agent.credential })).body;
    expect(me.lease.leaseId).not.toBe(agent.lease.leaseId);
    await openai.chat.completions.create({ model: 'any', messages: hi, max_completion_tokens: 20 });
    expect(await bucketOf(stack, agent.agentId)).toBe(-75 + 20 - 25);
  });

  it('settles a call the model does not answer in time, charging what it reserved', async () => {
    const agent = await leasedAgent(stack, TOKEN_LEASE);
    const slow = client(stack, agent.credential).chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'answer slowly' }], max_completion_tokens: 20 });
    await expect(slow).rejects.toBeInstanceOf(InternalServerError);
    // "answer slowly" is 13 bytes: 5 + 4 + 3 of input estimate, and the 20 it may answer.
    expect(await bucketOf(stack, agent.agentId)).toBe(100 - 32);
  });
});

describe('without a model', () => {
  it('answers through the clearly labelled offline provider', async () => {
    const stack = await startTestStack();
    try {
      const agent = await leasedAgent(stack);
      const reply = await client(stack, agent.credential).chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hello there' }] });
      expect(reply.model).toBe('offline');
      expect(reply.choices[0]?.message.content).toContain(OFFLINE_LABEL);
      expect(reply.usage?.total_tokens).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
  });
});
