/**
 * An agent's LLM token bucket: it refills at the rate the agent's lease bought (`tokens` per
 * `perSeconds`) up to its capacity (one round's worth). A call first reserves what it may use (its
 * input's estimate and its max_tokens): refused when that would take the bucket below −capacity,
 * and refused outright when it is larger than the capacity. After the call, what was used is
 * settled: the reservation comes back and all that was used is taken, never forgiven. The level is
 * kept in units of 1 / (perSeconds × 1000) token, in which the refill per millisecond is exactly
 * `tokens`: integer arithmetic, nothing lost to rounding. The bucket is the agent's: at its next
 * lease it carries over, debt included.
 */
export interface BucketSpec {
  tokens: number;
  perSeconds: number;
  /** The most the bucket holds, in tokens; also the deepest debt a reservation may reach. */
  capacity: number;
}

export interface BucketState {
  /** In units of 1 / (perSeconds × 1000) token; negative while in debt. */
  level: number;
  /** When `level` was last brought up to date (ms). */
  updatedAt: number;
}

const unitsPerToken = (spec: BucketSpec) => spec.perSeconds * 1000;

export const fullBucket = (spec: BucketSpec, now: number): BucketState => ({ level: spec.capacity * unitsPerToken(spec), updatedAt: now });

/** The bucket as of `now`: refilled for the time since it was last updated, never above capacity. */
export function refill(state: BucketState, spec: BucketSpec, now: number): BucketState {
  if (now <= state.updatedAt) return state;
  const full = spec.capacity * unitsPerToken(spec);
  return { level: Math.min(full, state.level + (now - state.updatedAt) * spec.tokens), updatedAt: now };
}

export type Reservation = { ok: true; state: BucketState } | { ok: false; reason: 'too-large' } | { ok: false; reason: 'no-room'; retryAfterSeconds: number };

/** Takes `amount` tokens now for a call about to be made, or says why not (and, if waiting helps, how long). */
export function reserve(state: BucketState, spec: BucketSpec, now: number, amount: number): Reservation {
  if (amount > spec.capacity) return { ok: false, reason: 'too-large' };
  const current = refill(state, spec, now);
  const units = amount * unitsPerToken(spec);
  const floor = -spec.capacity * unitsPerToken(spec);
  const short = floor - (current.level - units);
  if (short > 0) return { ok: false, reason: 'no-room', retryAfterSeconds: Math.ceil(short / spec.tokens / 1000) };
  return { ok: true, state: { level: current.level - units, updatedAt: current.updatedAt } };
}

/** A call is over: what was reserved comes back, and all that was used is taken. */
export function settle(state: BucketState, spec: BucketSpec, now: number, reserved: number, used: number): BucketState {
  const current = refill(state, spec, now);
  return { ...current, level: current.level + (reserved - used) * unitsPerToken(spec) };
}

/**
 * The bucket at another lease: refilled at the old rate until now, then its tokens (or its debt)
 * kept in the new lease's units (rounded towards more debt), never above the new capacity.
 */
export function carryOver(state: BucketState, from: BucketSpec, to: BucketSpec, now: number): BucketState {
  const current = refill(state, from, now);
  const scaled = BigInt(current.level) * BigInt(unitsPerToken(to));
  const divisor = BigInt(unitsPerToken(from));
  const floorDiv = scaled >= 0n ? scaled / divisor : -((-scaled + divisor - 1n) / divisor);
  return { level: Math.min(Number(floorDiv), to.capacity * unitsPerToken(to)), updatedAt: Math.max(now, current.updatedAt) };
}

/** The level in whole tokens (rounded down). */
export const tokensIn = (state: BucketState, spec: BucketSpec): number => Math.floor(state.level / unitsPerToken(spec));
