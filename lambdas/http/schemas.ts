/** zod schemas for the API's inputs. Amounts are integer µcr within the safe-integer range. */
import { z } from 'zod';
import { MAX_MEMO_LENGTH } from '../../economy/ledger.js';

export const microsSchema = z
  .number({ error: 'must be a number of micro-credits' })
  .refine((n) => Number.isSafeInteger(n), { message: `must be an integer number of micro-credits within ±${Number.MAX_SAFE_INTEGER}` });

export const positiveMicros = microsSchema.refine((n) => n > 0, { message: 'must be positive' });
export const nonNegativeMicros = microsSchema.refine((n) => n >= 0, { message: 'must not be negative' });

export const agentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an agent id');

const count = z.number().int().min(0);

/** The shape of a bundle; the economy checks Fargate sizes and ranges and lists the valid sizes. */
export const bundleSchema = z.strictObject({
  vcpu: z.number(),
  memoryMiB: count,
  tokens: count,
  attention: count,
  durationSeconds: count,
});

export const limitQuery = z.coerce.number().int().min(1).max(1000).optional();

export const pageQuery = z.strictObject({ limit: limitQuery, cursor: z.string().max(2048).optional() });

export const memoSchema = z.string().max(MAX_MEMO_LENGTH);

/** A new agent's files: relative paths to text (the economy checks paths and sizes). */
export const filesSchema = z.record(z.string(), z.string());

/** A new agent's first bid, placed from its endowment. */
export const firstBidSchema = z.strictObject({ bundle: bundleSchema, amount: positiveMicros });
