/**
 * One call through the LLM gateway (the OpenAI Chat Completions route), so that the budget can
 * never be overspent:
 * 1. a replay of a call (its idempotency key) returns its first completion, charged once; the same
 *    key with another request is refused (422), and a call still in progress under it gets 409;
 * 2. the call needs an active lease with tokens; the agent's one bucket carries over from its
 *    previous lease, debt included;
 * 3. before the provider is called, the input's estimate and max_tokens are reserved from the
 *    bucket in the same write that records the call as pending: 429 (with the wait) when the
 *    bucket cannot cover it without going below −capacity, 400 when it is larger than the capacity;
 * 4. the provider is called with a deadline; what it reports is settled (the reservation back, all
 *    that was used taken) in the write that records the completion and what it cost; a call that
 *    timed out keeps its whole reservation (the provider may well have billed it); one the provider
 *    refused is given back and forgotten, so its key may be tried again;
 * 5. its tokens are metered for the lease, where they were spent.
 */
import { createHash } from 'node:crypto';
import type { Config } from './config.js';
import { ConflictError, ForbiddenError, IdempotencyMismatchError, RateLimitedError, UpstreamError, ValidationError } from './errors.js';
import { bucketSpecOf, costOf, estimateInputTokens, type ChatCompletion, type LlmMessage, type LlmProvider } from './llm.js';
import { activeLease } from './market.js';
import type { Clock, LeaseBook, LlmLedger, RoundLog, StoredBucket, UsageStore } from './ports.js';
import { carryOver, fullBucket, reserve, settle, tokensIn } from './token-bucket.js';

export interface ChatDeps {
  llm: LlmProvider;
  llmLedger: LlmLedger;
  leases: Pick<LeaseBook, 'agentLeases'>;
  rounds: Pick<RoundLog, 'state'>;
  usage: UsageStore;
  clock: Clock;
  config: Pick<Config, 'roundSeconds' | 'llm'>;
}

export interface ChatRequest {
  messages: LlmMessage[];
  /** The most tokens the answer may have; absent: as many as the bucket's capacity leaves room for, up to 1,024. */
  maxTokens?: number;
  temperature?: number;
}

/** The answer's default length when a call names none. */
export const DEFAULT_MAX_TOKENS = 1024;

export interface ChatResult {
  completion: ChatCompletion;
  /** The bucket after the call, in tokens. */
  bucket: { tokens: number; capacity: number };
}

/** A replay of a call still being made. */
export class CallInProgressError extends ConflictError {}

const MOVED_RETRIES = 30;

export async function completeChat(deps: ChatDeps, req: { agentId: string; idempotencyKey: string; request: ChatRequest }): Promise<ChatResult> {
  const { agentId } = req;
  if (req.request.maxTokens !== undefined && req.request.maxTokens > deps.config.llm.maxTokens) {
    throw new ValidationError(`max_tokens may be at most ${deps.config.llm.maxTokens} here`, { field: 'max_tokens' });
  }
  const key = req.idempotencyKey;
  const requestHash = hashOf(req.request);
  const replayed = await replay(deps, agentId, key, requestHash);
  if (replayed) return replayed;

  const now = deps.clock.now();
  const lease = activeLease(await deps.leases.agentLeases(agentId, now), now);
  if (!lease) throw new ForbiddenError('an LLM call needs an active lease');
  const spec = bucketSpecOf(lease, deps.config.roundSeconds);
  if (spec.tokens === 0) throw new ForbiddenError('the active lease holds no LLM tokens');
  const input = estimateInputTokens(req.request.messages);
  const request = {
    ...req.request,
    maxTokens: req.request.maxTokens ?? Math.max(1, Math.min(DEFAULT_MAX_TOKENS, deps.config.llm.maxTokens, spec.capacity - input)),
  };
  const reserved = input + request.maxTokens;

  // Reserve, in the write that records the call.
  let begunAt = 0;
  for (let attempt = 1; ; attempt += 1) {
    const at = deps.clock.now();
    const stored = await deps.llmLedger.bucket(agentId);
    const state = !stored
      ? fullBucket(spec, at)
      : stored.bucket.leaseId === lease.leaseId
        ? stored.bucket.state
        : carryOver(stored.bucket.state, stored.bucket.spec, spec, at);
    const reservation = reserve(state, spec, at, reserved);
    if (!reservation.ok) {
      if (reservation.reason === 'too-large') {
        throw new ValidationError(`this call may use ${reserved} tokens (its input and max_tokens), more than the bucket's capacity of ${spec.capacity}`, { field: 'max_tokens' });
      }
      throw new RateLimitedError(`the token bucket cannot cover ${reserved} tokens now; try again in ${reservation.retryAfterSeconds} s`, { retryAfterSeconds: reservation.retryAfterSeconds });
    }
    const bucket: StoredBucket = { leaseId: lease.leaseId, spec, state: reservation.state };
    const begun = await deps.llmLedger.begin({ agentId, key, requestHash, bucket, version: stored?.version ?? 0, reserved, now: at });
    if (begun === 'begun') {
      begunAt = at;
      break;
    }
    if (begun === 'key-used') {
      const again = await replay(deps, agentId, key, requestHash);
      if (again) return again;
    }
    if (attempt >= MOVED_RETRIES) throw new ConflictError('the token bucket is busy with concurrent calls; try again');
  }

  // Call the provider, with a deadline.
  const timeout = AbortSignal.timeout(deps.config.llm.timeoutSeconds * 1000);
  let completion: ChatCompletion | undefined;
  let failure: { message: string; timedOut: boolean } | undefined;
  try {
    const out = await deps.llm.complete({ messages: request.messages, maxTokens: request.maxTokens, ...(request.temperature !== undefined ? { temperature: request.temperature } : {}), signal: timeout });
    completion = {
      // One per call: a replay returns it, and a key used again after its window makes another (metered apart).
      id: `chatcmpl-${createHash('sha256').update(`${agentId}\0${key}\0${begunAt}`).digest('base64url').slice(0, 24)}`,
      created: Math.floor(deps.clock.now() / 1000),
      model: out.model,
      provider: deps.llm.name,
      text: out.text,
      finishReason: out.outputTokens >= request.maxTokens ? 'length' : 'stop',
      usage: { promptTokens: out.inputTokens, completionTokens: out.outputTokens },
    };
  } catch (err) {
    failure = { message: err instanceof Error ? err.message : String(err), timedOut: timeout.aborted };
  }

  // Settle: what was used, or, after a timeout, all that was reserved.
  const used = completion ? completion.usage.promptTokens + completion.usage.completionTokens : failure?.timedOut ? reserved : 0;
  const round = completion ? ((await deps.rounds.state())?.lastRound ?? 0) : 0;
  let after: StoredBucket | undefined;
  for (let attempt = 1; ; attempt += 1) {
    const stored = await deps.llmLedger.bucket(agentId);
    if (!stored) throw new Error(`the token bucket of agent ${agentId} vanished during a call`);
    const at = deps.clock.now();
    // A renewal may have moved the bucket to the next lease meanwhile: settle in its units.
    after = { ...stored.bucket, state: settle(stored.bucket.state, stored.bucket.spec, at, reserved, used) };
    const outcome = completion
      ? { completion, round, spend: { calls: 1, inputTokens: completion.usage.promptTokens, outputTokens: completion.usage.completionTokens, cost: costOf({ inputTokens: completion.usage.promptTokens, outputTokens: completion.usage.completionTokens }, deps.config.llm.prices) } }
      : { failed: true as const };
    if ((await deps.llmLedger.finish({ agentId, key, bucket: after, version: stored.version, outcome })) === 'finished') break;
    if (attempt >= MOVED_RETRIES) throw new ConflictError('the token bucket is busy with concurrent calls; the call stays charged');
  }
  if (!completion) throw new UpstreamError(failure!.timedOut ? `the model did not answer within ${deps.config.llm.timeoutSeconds} s; the call was charged what it reserved` : `the model failed: ${failure!.message}`);

  await meter(deps, agentId, lease.leaseId, completion);
  return { completion, bucket: { tokens: tokensIn(after.state, after.spec), capacity: after.spec.capacity } };
}

/** Meters a completed call's tokens to its lease, once: the report's id is the call's. */
function meter(deps: Pick<ChatDeps, 'usage' | 'clock'>, agentId: string, leaseId: string, completion: ChatCompletion) {
  return deps.usage.apply({
    reportId: `llm-${completion.id.slice('chatcmpl-'.length)}`,
    agentId,
    leaseId,
    at: deps.clock.now(),
    cpuMicros: 0,
    llmTokens: completion.usage.promptTokens + completion.usage.completionTokens,
    peakMemoryBytes: 0,
  });
}

/** The first result of a call already made under this key, if any. */
async function replay(deps: ChatDeps, agentId: string, key: string, requestHash: string): Promise<ChatResult | undefined> {
  const prior = await deps.llmLedger.call(agentId, key, deps.clock.now());
  if (!prior) return undefined;
  if (prior.requestHash !== requestHash) throw new IdempotencyMismatchError(key);
  if (prior.status === 'pending' || !prior.completion) throw new CallInProgressError(`a call with idempotency key ${key} is still in progress`);
  // Metering once more applies nothing if the first time did, and catches up if it failed.
  await meter(deps, agentId, prior.leaseId, prior.completion);
  const stored = await deps.llmLedger.bucket(agentId);
  return {
    completion: prior.completion,
    bucket: stored ? { tokens: tokensIn(stored.bucket.state, stored.bucket.spec), capacity: stored.bucket.spec.capacity } : { tokens: 0, capacity: 0 },
  };
}

const hashOf = (request: ChatRequest) =>
  createHash('sha256')
    .update(JSON.stringify([request.messages.map((m) => [m.role, m.content]), request.maxTokens, request.temperature ?? null]))
    .digest('base64url');
