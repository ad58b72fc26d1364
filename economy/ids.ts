/** Ids of things (agents, bids, prompts, artifacts...): 1–64 letters, digits, '-' or '_'; and idempotency keys. */
import { ValidationError } from './errors.js';

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function assertId(id: unknown, field: string): asserts id is string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new ValidationError(`${field} must be 1–64 letters, digits, '-' or '_'`, { field });
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** An idempotency key: 1–255 visible ASCII characters, chosen by the caller. */
export function assertIdempotencyKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError('idempotency key must be 1–255 visible ASCII characters', { field: 'idempotencyKey' });
  }
}
