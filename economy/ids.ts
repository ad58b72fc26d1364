/** Ids of things (agents, bids, prompts, artifacts...): 1–64 letters, digits, '-' or '_'. */
import { ValidationError } from './errors.js';

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function assertId(id: unknown, field: string): asserts id is string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new ValidationError(`${field} must be 1–64 letters, digits, '-' or '_'`, { field });
}
