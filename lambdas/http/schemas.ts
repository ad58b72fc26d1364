/**
 * zod schemas for the API's inputs (zod/mini: the same checks as zod's classic API at a tenth of
 * the bundle). Amounts are integer µcr within the safe-integer range.
 */
import * as z from 'zod/mini';
import { assertId, ID_PATTERN } from '../../economy/ids.js';
import { MAX_MEMO_LENGTH } from '../../economy/ledger.js';
import { MAX_PAGE_LIMIT } from '../../economy/pages.js';

/** An integer in [min, max] (a JSON number). */
export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().check(z.gte(min), z.lte(max));
/** An integer in [min, max] given as text (a query parameter, a form field). */
export const integerText = (min: number, max = Number.MAX_SAFE_INTEGER) => z.pipe(z.coerce.number(), integer(min, max));
/** A string of at most `max` characters (and at least `min`). */
export const text = (max: number, min = 0) => z.string().check(z.minLength(min), z.maxLength(max));

export const microsSchema = z
  .number({ error: 'must be a number of micro-credits' })
  .check(z.refine((n) => Number.isSafeInteger(n), { message: `must be an integer number of micro-credits within ±${Number.MAX_SAFE_INTEGER}` }));

export const positiveMicros = microsSchema.check(z.refine((n) => n > 0, { message: 'must be positive' }));
export const nonNegativeMicros = microsSchema.check(z.refine((n) => n >= 0, { message: 'must not be negative' }));

/** The id of an agent, a bid, an artifact, a prompt... (economy/ids.ts). */
export const idSchema = z.string().check(z.regex(ID_PATTERN, 'must be an id'));

/** A path's `{id}`: 400 when it is not an id. */
export function pathId(params: Record<string, string | undefined>): string {
  const id = params.id;
  assertId(id, 'id');
  return id;
}

/** A page query as the ports take it (absent fields left out). */
export const pageOf = (query: { limit?: number | undefined; cursor?: string | undefined }) => ({
  ...(query.limit ? { limit: query.limit } : {}),
  ...(query.cursor ? { cursor: query.cursor } : {}),
});

const count = integer(0);

/** The shape of a bundle; the economy checks Fargate sizes and ranges and lists the valid sizes. */
export const bundleSchema = z.strictObject({
  vcpu: z.number(),
  memoryMiB: count,
  tokens: count,
  attention: count,
  durationSeconds: count,
});

export const limitQuery = z.optional(integerText(1, MAX_PAGE_LIMIT));

export const pageQuery = z.strictObject({ limit: limitQuery, cursor: z.optional(text(2048)) });

export const memoSchema = text(MAX_MEMO_LENGTH);

/** A new agent's files: relative paths to text (the economy checks paths and sizes). */
export const filesSchema = z.record(z.string(), z.string());

/** A new agent's first bid, placed from its endowment. */
export const firstBidSchema = z.strictObject({ bundle: bundleSchema, amount: positiveMicros });
