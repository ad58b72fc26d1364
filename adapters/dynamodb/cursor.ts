/** Opaque page cursors: a DynamoDB LastEvaluatedKey, base64url-encoded, checked on the way back. */
import { ValidationError } from '../../economy/errors.js';

export function encodeCursor(key: Record<string, unknown> | undefined): { cursor?: string } {
  return key ? { cursor: Buffer.from(JSON.stringify(key)).toString('base64url') } : {};
}

/** Decodes a cursor, refusing one that does not belong to the partition `pk` being read. */
export function decodeCursor(cursor: string, pk: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const fields = Object.keys(key);
    if (key.pk === pk && typeof key.sk === 'string' && fields.every((f) => f === 'pk' || f === 'sk')) return key;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('cursor is not valid here', { field: 'cursor' });
}

export function assertLimit(limit: number | undefined, fallback = 100): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new ValidationError('limit must be an integer in [1, 1000]', { field: 'limit' });
  return value;
}
