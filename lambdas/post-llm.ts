/**
 * POST /llm {messages, maxTokens?}: one LLM call through the gateway. It needs an active lease
 * with tokens; it is refused (429) while the lease's token bucket is in debt; what the provider
 * reports as used is debited, possibly into debt down to −capacity.
 */
import { z } from 'zod';
import { ForbiddenError, RateLimitedError } from '../economy/errors.js';
import { bucketSpecOf } from '../economy/llm.js';
import { leaseEnd } from '../economy/market.js';
import { fullBucket, mayCall, secondsUntilPositive, spend, tokensIn } from '../economy/token-bucket.js';
import { defaultDeps, lazy, type Deps } from './deps.js';
import { agentOf } from './http/principal.js';
import { route } from './http/route.js';

const body = z.strictObject({
  messages: z
    .array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string().min(1).max(100_000) }))
    .min(1)
    .max(100),
  maxTokens: z.number().int().min(1).max(8192).optional(),
});

export function makeHandler(deps: Deps) {
  return route(deps, { auth: 'agent', body }, async ({ principal, body }) => {
    const agentId = agentOf(principal);
    const now = deps.clock.now();
    const lease = (await deps.bids.agentLeases(agentId, now)).find((l) => l.startsAt <= now && now < leaseEnd(l));
    if (!lease) throw new ForbiddenError('an LLM call needs an active lease');
    const spec = bucketSpecOf(lease, deps.config.roundSeconds);
    if (spec.tokens === 0) throw new ForbiddenError('the active lease holds no LLM tokens');
    const start = (await deps.buckets.get(agentId, lease.leaseId)) ?? fullBucket(spec, lease.startsAt);
    if (!mayCall(start, spec, now)) {
      throw new RateLimitedError(`the token bucket is in debt; it is positive again in ${secondsUntilPositive(start, spec, now)} s`);
    }
    const completion = await deps.llm.complete({ messages: body.messages, maxTokens: Math.min(body.maxTokens ?? 512, spec.capacity) });
    const used = completion.inputTokens + completion.outputTokens;
    const after = await deps.buckets.update(agentId, lease.leaseId, (current) =>
      spend(current ?? fullBucket(spec, lease.startsAt), spec, deps.clock.now(), used),
    );
    // Tokens are metered where they are spent.
    await deps.usage.apply({ reportId: `llm-${deps.newId()}`, agentId, leaseId: lease.leaseId, at: deps.clock.now(), cpuMicros: 0, llmTokens: used, peakMemoryBytes: 0 });
    return {
      text: completion.text,
      provider: deps.llm.name,
      model: completion.model,
      usage: { inputTokens: completion.inputTokens, outputTokens: completion.outputTokens, totalTokens: used },
      bucket: { tokens: tokensIn(after, spec), capacity: spec.capacity },
    };
  });
}

export const handler = lazy(() => makeHandler(defaultDeps()));
