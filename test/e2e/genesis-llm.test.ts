/**
 * The genesis agent with a model: the whole local stack (sandboxed agents, the LLM gateway) with a
 * scripted OpenAI-compatible server as the upstream model. The human rewards the agent's question
 * and replies with a request; in a later lease the agent does it with the model, keeps the result
 * as a data artifact, and its next question reports what it did and where the result is.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

let model: Server;
let modelUrl: string;
const asked: string[] = [];
let stack: LocalStack | undefined;

beforeAll(async () => {
  model = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { messages: { role: string; content: string }[] };
      const request = body.messages.at(-1)!.content;
      asked.push(request);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ model: 'scripted-1', choices: [{ message: { role: 'assistant', content: `RESULT: three words about "${request}"` } }], usage: { prompt_tokens: 40, completion_tokens: 12 } }));
    });
  });
  await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
  const address = model.address();
  modelUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
});
afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => model.close(() => resolve()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

describe('the genesis agent with a model', () => {
  it('does what the human asks, keeps the result as an artifact, and says so in its next prompt', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'syntropism-genesis-llm-'));
    stack = await startLocalStack({
      port: await freePort(),
      dataDir,
      env: { ...process.env, ROUND_SECONDS: '1', SYNTROPISM_GENESIS_LEASE_SECONDS: '10', SYNTROPISM_OPERATOR_TOKEN: '', SYNTROPISM_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: modelUrl, SYNTROPISM_LLM_MODEL: 'scripted-1' },
      log: () => undefined,
      onCrash: () => undefined,
    });
    const operator = { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' };
    const pending = async () => ((await (await fetch(`${stack!.url}/admin/prompts`, { headers: operator })).json()) as { items: { promptId: string; agentId: string; content: string }[] }).items;

    const first = await until('the first question', async () => (await pending())[0]);
    const request = 'Summarise the market in one line.';
    const rewarded = await fetch(`${stack.url}/admin/prompts/${first.promptId}/reward`, {
      method: 'POST',
      headers: operator,
      body: JSON.stringify({ interesting: 6, useful: 6, understandable: 6, reply: request }),
    });
    expect(rewarded.status).toBe(200);

    const report = await until('a question that reports the result', async () => (await pending()).find((p) => p.promptId !== first.promptId && p.content.includes('RESULT:'))).catch((err: unknown) => {
      // What the agent said it did, to see why.
      console.log(readFileSync(join(dataDir, 'logs', `${first.agentId}.log`), 'utf8').slice(-3000));
      throw err;
    });
    expect(asked).toContain(request);
    expect(report.content).toContain(`You asked: "${request}"`);
    expect(report.content).toContain(`RESULT: three words about "${request}"`);
    const artifactId = /data artifact (\S+)\.\)/.exec(report.content)?.[1];
    expect(artifactId).toBeDefined();
    const artifact = await stack.deps.artifacts.get(artifactId!);
    expect(artifact).toMatchObject({ kind: 'data', ownerId: first.agentId });
    expect(artifact.content).toContain(request);
    expect(artifact.content).toContain('RESULT:');
    // The model's work was paid from the agent's bucket and counted.
    const spent = (await stack.deps.llmLedger.spendByAgent([first.agentId])).get(first.agentId)!;
    expect(spent.calls).toBeGreaterThanOrEqual(1);
    expect(spent.cost).toBeGreaterThan(0);
  });
});
