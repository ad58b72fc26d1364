/**
 * Persisted idempotency records, written inside the same transaction as the change they guard,
 * so a change and its record commit together or not at all. (Powertools' idempotency utility
 * writes its record in a separate request around the handler; that fits a handler's response,
 * not money, where the record must be part of the ledger's own transaction.)
 *
 * Replaying a key with the same request returns the first result; the same key with a different
 * request is refused. Failed requests leave no record, so they may be retried with the same key.
 */
import { createHash } from 'node:crypto';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, IdempotencyMismatchError } from '../../economy/errors.js';
import { TTL_ATTRIBUTE } from './tables.js';
import type { Write } from './transact.js';

/** A digest of what was asked: the operation and its arguments, in a canonical key order. */
export function requestHash(operation: string, request: unknown): string {
  return createHash('sha256').update(operation).update('\0').update(canonicalJson(request)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The signal that a record for this key already exists: the caller then reads it back. */
class KeyAlreadyUsed extends ConflictError {}

const recordKey = (key: string) => ({ pk: `idem#${key}` });

export interface IdempotencyRecord {
  table: string;
  key: string;
  hash: string;
  result: unknown;
  now: number;
  ttlSeconds: number;
}

export function idempotencyWrite(record: IdempotencyRecord): Write {
  const nowSeconds = Math.floor(record.now / 1000);
  return {
    item: {
      Put: {
        TableName: record.table,
        Item: {
          ...recordKey(record.key),
          t: 'idem',
          requestHash: record.hash,
          result: JSON.stringify(record.result),
          createdAt: record.now,
          [TTL_ATTRIBUTE]: nowSeconds + record.ttlSeconds,
        },
        // DynamoDB deletes expired items lazily; an expired record no longer counts.
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':now': nowSeconds },
      },
    },
    explain: () => new KeyAlreadyUsed(`idempotency key ${record.key} already used`),
    precedence: 2,
  };
}

/**
 * The first result stored under `key`, if that key was used for this same request; throws
 * IdempotencyMismatchError if it was used for a different one; undefined if it is unused.
 */
export async function priorResult(
  client: DynamoDBDocumentClient,
  table: string,
  key: string,
  hash: string,
  now: number,
): Promise<{ result: unknown } | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table, Key: recordKey(key), ConsistentRead: true }));
  if (!Item || (Item[TTL_ATTRIBUTE] as number) < Math.floor(now / 1000)) return undefined;
  if (Item.requestHash !== hash) throw new IdempotencyMismatchError(key);
  return { result: JSON.parse(Item.result as string) as unknown };
}
