/**
 * Every endpoint against hostile input and every kind of caller, over real HTTP:
 * - fuzzing (fast-check): random JSON, wrong types, huge and fractional numbers, unicode,
 *   missing fields, malformed bodies and ids: never a 5xx, and a 4xx changes nothing;
 * - the authorization matrix: each endpoint × {no credential, another agent, a dead agent, a run's supervisor,
 *   the operator, the right agent}.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsService } from '../../adapters/aws/service.js';
import { SQS, SqsMeterQueue } from '../../adapters/sqs/meter-queue.js';
import { S3WorkspaceAccess } from '../../adapters/workspace/s3-access.js';
import { S3, S3Bucket } from '../../adapters/workspace/s3-bucket.js';
import { API_ROUTES } from '../../lambdas/routes.js';
import { createQueueWithDlq, localAws, sqsClient, startSqs, type LocalSqs } from '../../local/sqs.js';
import { leasedAgent, OPERATOR_TOKEN, SMALL_BUNDLE, startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let agent: { agentId: string; credential: string };
let other: { agentId: string; credential: string };
let dead: { agentId: string; credential: string };
/** The supervisor token of a run of the agent's. */
let supervisor: string;
let bidId: string;
let artifactId: string;

/** Everything a refused request must leave untouched. */
async function world() {
  const views = await Promise.all(
    [agent, other].flatMap((a) => ['/me', '/bids', '/journal', '/inbox', '/artifacts'].map((path) => stack.api.call('GET', path, { token: a.credential }))),
  );
  const audit = await stack.api.call('GET', '/admin/audit', { token: OPERATOR_TOKEN });
  const { minted, burned, circulating, entries, pendingHolds } = audit.body;
  return { views: views.map((v) => v.body), audit: { minted, burned, circulating, entries, pendingHolds } };
}

let emulator: LocalSqs;
let s3: S3Client;

beforeAll(async () => {
  // S3 and SQS (fauxqs) behind the routes of a run's supervisor, so that they too meet the fuzz.
  emulator = await startSqs();
  s3 = new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await s3.send(new CreateBucketCommand({ Bucket: 'workspaces' }));
  const queues = sqsClient(emulator.endpoint);
  const { queueUrl } = await createQueueWithDlq(queues, 'metering', { maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
  stack = await startTestStack({ SYNTROPISM_DORMANCY_LIMIT_SECONDS: '86400' }, undefined, {
    meter: new SqsMeterQueue(new AwsService(SQS, localAws(emulator.endpoint)), queueUrl),
    workspaceAccess: new S3WorkspaceAccess(new S3Bucket(new AwsService(S3, localAws(emulator.endpoint)), 'workspaces')),
  });
  agent = await leasedAgent(stack, { ...SMALL_BUNDLE, attention: 2 });
  other = await stack.api.createAgent(5_000_000);
  bidId = (await stack.api.call('POST', '/bids', { token: agent.credential, body: { bundle: SMALL_BUNDLE, amount: 1_000_000 } })).body.bidId;
  artifactId = (await stack.api.call('POST', '/artifacts', { token: agent.credential, body: { kind: 'data', content: 'x' } })).body.artifactId;
  supervisor = (await stack.deps.credentials.issue(agent.agentId, stack.clock.now() + 3_600_000)).supervisorToken;
  // A dead agent: it gives everything away, and the next round takes it.
  dead = await stack.api.createAgent(1_000_000);
  await stack.api.call('POST', '/transfers', { token: dead.credential, body: { to: other.agentId, amount: 1_000_000 } });
  stack.clock.advance(stack.deps.config.roundSeconds);
  await stack.oracle();
}, 120_000);
afterAll(async () => {
  await stack.close();
  s3.destroy();
  await emulator.stop();
});

/** The agent API's routes with their path parameters filled in (the human page has its own tests). */
const apiRoutes = API_ROUTES.filter((r) => !r.path.startsWith('/human'));
const concrete = (path: string) =>
  path.replace('/bids/{id}', `/bids/${bidId}`).replace('/artifacts/{id}', `/artifacts/${artifactId}`).replace('/agents/{id}', `/agents/${agent.agentId}`).replace('/admin/prompts/{id}', '/admin/prompts/no-such-prompt');

const jsonValue = fc.oneof(
  fc.json().map((text) => JSON.parse(text) as unknown),
  fc.record({
    amount: fc.oneof(fc.double(), fc.integer(), fc.constant(1e300), fc.constant(-1), fc.constant(2 ** 53), fc.string()),
    bundle: fc.oneof(fc.object(), fc.constant({ ...SMALL_BUNDLE, vcpu: 0.3 }), fc.constant(null)),
    to: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant('../../etc'), fc.integer()),
    content: fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.constant('')),
    endowment: fc.oneof(fc.double(), fc.constant(-5), fc.constant('10')),
    files: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.constant({ '../x': 'y' })),
    messages: fc.oneof(fc.array(fc.object()), fc.constant([])),
    interesting: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double()),
  }, { requiredKeys: [] }),
);
const rawBody = fc.oneof(jsonValue.map((v) => JSON.stringify(v)), fc.string(), fc.string({ unit: 'binary' }), fc.constant('{"a":'), fc.constant(''));

describe('fuzzing every endpoint', () => {
  it('never answers 5xx, and a refused request changes nothing', async () => {
    const before = await world();
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...apiRoutes), rawBody, fc.constantFrom('agent', 'operator'), async (route, body, who) => {
        const token = route.path.startsWith('/admin') ? (who === 'operator' ? OPERATOR_TOKEN : agent.credential) : route.path.startsWith('/run/') ? supervisor : agent.credential;
        const reply = await stack.api.call(route.method, concrete(route.path), { token, ...(route.method === 'GET' ? {} : { rawBody: body }), headers: { 'content-type': 'application/json' } });
        expect(reply.status, `${route.method} ${route.path} ${body.slice(0, 80)}`).toBeLessThan(500);
        if (reply.status >= 400) refused += 1;
        else if (route.method !== 'GET') {
          // A fuzzed write that was accepted is legitimate (a random but valid request): start over from here.
          Object.assign(before, await world());
        }
      }),
      { numRuns: 250, seed: 4242 },
    );
    expect(refused).toBeGreaterThan(100);
    expect(await world()).toEqual(before);
  }, 300_000);

  it('refuses malformed ids and unknown routes with 4xx', async () => {
    for (const path of ['/bids/%00', '/bids/..%2F..', '/artifacts/' + 'x'.repeat(300), '/agents/-/config']) {
      for (const method of ['DELETE', 'GET', 'PUT', 'POST']) {
        const reply = await stack.api.call(method, path, { token: agent.credential, ...(method === 'GET' ? {} : { body: {} }) });
        expect(reply.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(reply.status, `${method} ${path}`).toBeLessThan(500);
      }
    }
  });

  it('never answers 5xx to raw paths, percent-escapes, query strings or forged cursors, and changes nothing', async () => {
    const before = await world();
    const segment = fc.oneof(
      fc.constantFrom('%ZZ', '%', '%00', '%2F', '..', '.', '%E2%82', '%FF', '~', 'x'.repeat(3000), bidId, artifactId, agent.agentId),
      fc.stringMatching(/^[A-Za-z0-9%._~-]{0,40}$/),
      fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
    );
    /** A cursor: garbage, or a real-looking key from another partition, index or item kind. */
    const cursor = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.record({ pk: fc.constantFrom(`agent#${agent.agentId}`, `agent#${other.agentId}`, 'agents', 'listings', 'x'), sk: fc.constantFrom('bid#x', 'inbox#x', 'profile', '', 'zzz'), gsi1pk: fc.constantFrom('agents', 'x', undefined), gsi1sk: fc.constantFrom('0', undefined) }, { requiredKeys: ['pk'] }).map((k) => Buffer.from(JSON.stringify(k)).toString('base64url')),
    );
    const queryString = fc.oneof(
      fc.constant(''),
      fc.record({ limit: fc.oneof(fc.integer({ min: -5, max: 5000 }).map(String), fc.constantFrom('1e3', 'NaN', '', 'x')), cursor, state: fc.constantFrom('pending', 'won', 'x'), history: fc.constantFrom('3', '-1', '1000') }, { requiredKeys: [] }).map(
        (q) => `?${new URLSearchParams(Object.entries(q)).toString()}`,
      ),
      fc.string({ maxLength: 30 }).map((q) => `?${q}`),
    );
    const base = fc.constantFrom('/bids', '/artifacts', '/agents', '/admin/prompts', '/human/prompts', '/v1', '/run', '/listings', '/inbox', '/journal', '');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), base, fc.array(segment, { maxLength: 3 }), queryString, fc.boolean(), async (method, prefix, segments, query, operator) => {
        const path = `${prefix}/${segments.join('/')}${query}`;
        const res = await fetch(`${stack.gateway.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${operator ? OPERATOR_TOKEN : agent.credential}`, 'content-type': 'application/json' },
          ...(method === 'GET' ? {} : { body: '{}' }),
        });
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }),
      { numRuns: 300, seed: 2026 },
    );
    expect(await world()).toEqual(before);
  }, 300_000);
});

describe('the authorization matrix', () => {
  it('lets only the right caller through, for every endpoint', async () => {
    const callers = {
      none: undefined,
      operator: OPERATOR_TOKEN,
      dead: dead.credential,
      other: other.credential,
      agent: agent.credential,
      supervisor,
    };
    for (const route of apiRoutes) {
      const admin = route.path.startsWith('/admin');
      const run = route.path.startsWith('/run/');
      for (const [who, token] of Object.entries(callers)) {
        const reply = await stack.api.call(route.method, concrete(route.path), { ...(token ? { token } : {}), ...(route.method === 'GET' ? {} : { body: {} }) });
        const label = `${who} → ${route.method} ${route.path}`;
        // The operator alone passes /admin/*; a run's supervisor alone /run/*; living agents alone the rest.
        const admitted = admin ? who === 'operator' : run ? who === 'supervisor' : who === 'agent' || who === 'other';
        if (admitted) expect(reply.status, label).not.toBe(401);
        else expect(reply.status, label).toBe(401);
      }
    }
    // Another agent cannot touch the agent's own things.
    expect((await stack.api.call('DELETE', `/bids/${bidId}`, { token: other.credential })).status).toBe(404);
    expect((await stack.api.call('POST', `/artifacts/${artifactId}/listing`, { token: other.credential, body: { price: 1 } })).status).toBe(403);
    expect((await stack.api.call('PUT', `/agents/${agent.agentId}/config`, { token: other.credential, body: { config: {} } })).status).toBe(403);
    expect((await stack.api.call('GET', `/artifacts/${artifactId}`, { token: other.credential })).body.content).toBeUndefined();
    expect((await stack.api.call('GET', '/bids', { token: other.credential })).body.items.some((b: { bidId: string }) => b.bidId === bidId)).toBe(false);
  });
});
