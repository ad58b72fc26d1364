/**
 * route(): the chain every API route shares. Who calls is settled first (401 whatever else is
 * wrong), from the bearer secret and the caller the route's rule names; then the body and the
 * query are validated (400 naming the field); the Idempotency-Key is checked and scoped to the
 * caller; errors come out in one JSON shape (or OpenAI's).
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { operatorCaller, type Caller, type Principal } from '../../economy/credentials.js';
import { InsufficientFundsError, UnauthorizedError } from '../../economy/errors.js';
import { route } from '../../lambdas/http/route.js';
import { integerText } from '../../lambdas/http/schemas.js';
import { ROUTES } from '../../lambdas/routes.js';

/** A caller that knows one agent by one secret. */
const agents: Caller = {
  kind: 'agent',
  identify: (secret) => (secret === 'syn_alice' ? Promise.resolve<Principal>({ kind: 'agent', agentId: 'alice' }) : Promise.reject(new UnauthorizedError('invalid agent credential'))),
};

function event(options: { authorization?: string; body?: string; query?: Record<string, string>; headers?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /bids',
    rawPath: '/bids',
    rawQueryString: '',
    headers: { ...(options.authorization ? { authorization: options.authorization } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.query ? { queryStringParameters: options.query } : {}),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/bids' } },
  } as unknown as APIGatewayProxyEventV2;
}

const call = async (handler: ReturnType<typeof route>, e: APIGatewayProxyEventV2) => {
  const response = await handler(e, {} as Context);
  return { status: response.statusCode, body: JSON.parse(response.body ?? 'null') as Record<string, { code: string; message: string; type?: string }> };
};

const body = z.strictObject({ amount: z.number() });
const echo = route(ROUTES['POST /bids'], agents, { body, status: 201 }, (input) => Promise.resolve({ principal: input.principal, body: input.body, key: input.idempotencyKey }));

describe('route()', () => {
  it('refuses to build a handler whose caller is not the kind the routes table says', () => {
    expect(() => route(ROUTES['POST /bids'], operatorCaller(() => Promise.resolve('t')), {}, () => Promise.resolve({}))).toThrow(/agents.*operators/);
  });

  it('answers 401 without a bearer secret, or with one the caller does not know, before looking at the body', async () => {
    expect(await call(echo, event({ body: 'not json' }))).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(await call(echo, event({ authorization: 'Bearer syn_mallory', body: '{}' }))).toMatchObject({ status: 401, body: { error: { message: 'invalid agent credential' } } });
    expect(await call(echo, event({ authorization: 'Basic syn_alice', body: '{}' }))).toMatchObject({ status: 401 });
  });

  it('gives the handler the principal the caller identified, the parsed body and a key scoped to it', async () => {
    const ok = await call(echo, event({ authorization: 'Bearer syn_alice', body: '{"amount": 5}', headers: { 'idempotency-key': 'k1' } }));
    expect(ok).toEqual({ status: 201, body: { principal: { kind: 'agent', agentId: 'alice' }, body: { amount: 5 }, key: 'alice:k1' } });
    // Without a key, each request gets a fresh one.
    const a = await call(echo, event({ authorization: 'Bearer syn_alice', body: '{"amount": 5}' }));
    const b = await call(echo, event({ authorization: 'Bearer syn_alice', body: '{"amount": 5}' }));
    expect(a.body.key).not.toEqual(b.body.key);
  });

  it('answers 400 naming the field for a bad body, bad JSON, an unknown key or a bad Idempotency-Key', async () => {
    const as = (b: string, headers: Record<string, string> = {}) => call(echo, event({ authorization: 'Bearer syn_alice', body: b, headers }));
    expect(await as('{"amount": "5"}')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: expect.stringContaining('body.amount') } } });
    expect(await as('{"amount": 5, "extra": 1}')).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('extra') } } });
    expect(await as('{')).toMatchObject({ status: 400, body: { error: { message: 'the request body must be valid JSON' } } });
    expect(await as('{"amount": 5}', { 'idempotency-key': 'has space' })).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('Idempotency-Key') } } });
  });

  it('validates the query the same way, and speaks English (zod/mini has no messages of its own)', async () => {
    const query = z.strictObject({ limit: z.optional(integerText(1, 10)) });
    const listed = route(ROUTES['GET /bids'], agents, { query }, ({ query }) => Promise.resolve(query));
    expect(await call(listed, event({ authorization: 'Bearer syn_alice', query: { limit: '3' } }))).toEqual({ status: 200, body: { limit: 3 } });
    expect(await call(listed, event({ authorization: 'Bearer syn_alice', query: { limit: '11' } }))).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringMatching(/^query\.limit: Too big/) } },
    });
  });

  it('turns domain errors into their status, in OpenAI’s shape where asked, and hides anything else behind a 500', async () => {
    const broke = route(ROUTES['POST /bids'], agents, {}, () => Promise.reject(new InsufficientFundsError('alice', 5, 1)));
    expect(await call(broke, event({ authorization: 'Bearer syn_alice' }))).toMatchObject({ status: 402, body: { error: { code: 'INSUFFICIENT_FUNDS' } } });
    const openai = route(ROUTES['POST /v1/chat/completions'], agents, { openaiErrors: true }, () => Promise.reject(new InsufficientFundsError('alice', 5, 1)));
    expect(await call(openai, event({ authorization: 'Bearer syn_alice' }))).toMatchObject({ status: 402, body: { error: { type: 'insufficient_quota' } } });
    const crashed = route(ROUTES['POST /bids'], agents, {}, () => Promise.reject(new Error('secret detail')));
    const original = console.error;
    console.error = () => undefined;
    try {
      expect(await call(crashed, event({ authorization: 'Bearer syn_alice' }))).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
    } finally {
      console.error = original;
    }
  });
});
