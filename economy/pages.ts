/** Lists are read a page at a time: at most MAX_PAGE_LIMIT items a page, DEFAULT_PAGE_LIMIT unless asked. */
import { ValidationError } from './errors.js';

export const MAX_PAGE_LIMIT = 1000;
export const DEFAULT_PAGE_LIMIT = 100;

export function pageLimit(limit: number | undefined, fallback = DEFAULT_PAGE_LIMIT): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_LIMIT) throw new ValidationError(`limit must be an integer in [1, ${MAX_PAGE_LIMIT}]`, { field: 'limit' });
  return value;
}
