/** Opaque page cursors: a DynamoDB LastEvaluatedKey, base64url-encoded, checked on the way back. */
import { ValidationError } from '../../economy/errors.js';

export function encodeCursor(key: Record<string, unknown> | undefined): { cursor?: string } {
  return key ? { cursor: Buffer.from(JSON.stringify(key)).toString('base64url') } : {};
}

/**
 * Decodes a cursor, refusing one that does not belong to the query being read: the partition `pk`
 * and, where the query reads one kind of item, the sort keys beginning with `skPrefix`.
 */
export function decodeCursor(cursor: string, pk: string, skPrefix = ''): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const fields = Object.keys(key);
    if (key.pk === pk && typeof key.sk === 'string' && key.sk.startsWith(skPrefix) && fields.every((f) => f === 'pk' || f === 'sk')) return key;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('cursor is not valid here', { field: 'cursor' });
}

/** Decodes a cursor of a query on the sparse index, refusing one from another index key. */
export function decodeIndexCursor(cursor: string, gsi1pk: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const fields = Object.keys(key).sort().join(',');
    if (key.gsi1pk === gsi1pk && fields === 'gsi1pk,gsi1sk,pk,sk' && Object.values(key).every((v) => typeof v === 'string')) return key;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('cursor is not valid here', { field: 'cursor' });
}
