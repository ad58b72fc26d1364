/**
 * The Bedrock provider (its Converse request, SigV4 signing and error parsing, adapters/aws/service.ts)
 * against a local double of Bedrock's Converse wire format over HTTP/1.1 (which Bedrock's runtime
 * endpoint also speaks), reached through AWS_ENDPOINT_URL_BEDROCK_RUNTIME as an SDK client would be;
 * and the gateway in front of it, called with OpenAI's client: a completion maps both ways, and a
 * throttled model gives the call's reservation back.
 */
import { createServer, type Server } from 'node:http';
import OpenAI, { InternalServerError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokensIn } from '../../economy/token-bucket.js';
import { leasedAgent, startTestStack, type TestStack } from '../support/stack.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
let server: Server;
let stack: TestStack;
const requests: { path: string; authorization: string; body: any }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw);
      requests.push({ path: decodeURIComponent(req.url ?? ''), authorization: String(req.headers.authorization), body });
      if (JSON.stringify(body).includes('too busy')) {
        res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' });
        res.end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'local-1' });
      res.end(
        JSON.stringify({
          output: { message: { role: 'assistant', content: [{ text: 'Hello' }, { text: ', human.' }] } },
          stopReason: 'end_turn',
          usage: { inputTokens: 12, outputTokens: 4, totalTokens: 16 },
          metrics: { latencyMs: 5 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  stack = await startTestStack({ SYNTROPISM_LLM_PROVIDER: 'bedrock', SYNTROPISM_LLM_MODEL: MODEL, ROUND_SECONDS: '10' });
});
afterAll(async () => {
  await stack.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const lease = { vcpu: 0.25, memoryMiB: 512, tokens: 600, attention: 0, durationSeconds: 60 };

describe('the Bedrock provider', () => {
  it('sends Converse, signed, with the system prompt apart, and maps text and usage back', async () => {
    const agent = await leasedAgent(stack, lease);
    const openai = new OpenAI({ apiKey: agent.credential, baseURL: `${stack.gateway.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'whatever',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_completion_tokens: 50,
      temperature: 0.2,
    });
    expect(completion).toMatchObject({ model: MODEL, choices: [{ message: { content: 'Hello, human.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } });
    const sent = requests.at(-1)!;
    expect(sent.path).toBe(`/model/${MODEL}/converse`);
    expect(sent.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    expect(sent.body).toEqual({
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      inferenceConfig: { maxTokens: 50, temperature: 0.2 },
    });
  });

  it('gives the reservation back when Bedrock throttles, and says the model failed', async () => {
    const agent = await leasedAgent(stack, lease);
    const openai = new OpenAI({ apiKey: agent.credential, baseURL: `${stack.gateway.url}/v1`, maxRetries: 0 });
    const busy = openai.chat.completions.create({ model: 'whatever', messages: [{ role: 'user', content: 'are you too busy?' }], max_completion_tokens: 20 });
    await expect(busy).rejects.toBeInstanceOf(InternalServerError);
    await expect(busy).rejects.toMatchObject({ status: 502, error: { type: 'api_error' } });
    const stored = (await stack.deps.llmLedger.bucket(agent.agentId))!.bucket;
    expect(tokensIn(stored.state, stored.spec)).toBe(100);
  });
});
