/**
 * An agent's LLM token bucket: it refills at the rate the agent bought (`tokens` per
 * `perSeconds`) up to its capacity (one round's worth), and spending may take it into debt down
 * to −capacity. While the level is negative the gateway refuses calls until the refill brings it
 * back to zero. The level is kept in units of 1 / (perSeconds × 1000) token, in which the refill
 * per millisecond is exactly `tokens`: integer arithmetic, nothing lost to rounding.
 */
export interface BucketSpec {
  tokens: number;
  perSeconds: number;
  /** The most the bucket holds, in tokens; also the deepest debt allowed. */
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

/** Whether a call may start now: only while the bucket is not in debt. */
export function mayCall(state: BucketState, spec: BucketSpec, now: number): boolean {
  return refill(state, spec, now).level >= 0;
}

/** Spends `tokens` (as the provider reported them) at `now`; the debt stops at −capacity. */
export function spend(state: BucketState, spec: BucketSpec, now: number, tokens: number): BucketState {
  const current = refill(state, spec, now);
  const floor = -spec.capacity * unitsPerToken(spec);
  return { ...current, level: Math.max(floor, current.level - tokens * unitsPerToken(spec)) };
}

/** The level in whole tokens (rounded down). */
export const tokensIn = (state: BucketState, spec: BucketSpec): number => Math.floor(state.level / unitsPerToken(spec));

/** Seconds until the bucket is out of debt (0 if it is not in debt). */
export function secondsUntilPositive(state: BucketState, spec: BucketSpec, now: number): number {
  const current = refill(state, spec, now);
  if (current.level >= 0) return 0;
  return Math.ceil(-current.level / spec.tokens / 1000);
}
