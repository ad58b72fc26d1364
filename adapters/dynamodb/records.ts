/** Reading the records table: items without their storage keys, whole queries, and the sparse index. */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { RECORDS_INDEX, type Tables } from './tables.js';

/** A record as the economy knows it: the item without its keys, type tag and index attributes. */
export function recordOf(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, t: _t, gsi1pk: _g1, gsi1sk: _g2, ...record } = item;
  return record;
}

/** Every item a query matches, page after page. */
export async function queryAll(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Items a query matches, page after page (DynamoDB returns at most 1 MB a page, whatever the
 * limit), until `limit` items or the end.
 */
export async function queryUpTo(client: DynamoDBDocumentClient, input: QueryCommandInput, limit: number): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, Limit: limit - items.length, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && items.length < limit);
  return items;
}

/** The records under one key of the sparse index, in its order: the first `limit`, or all. */
export async function queryIndex(client: DynamoDBDocumentClient, tables: Tables, key: string, limit?: number): Promise<Record<string, unknown>[]> {
  const input: QueryCommandInput = {
    TableName: tables.records,
    IndexName: RECORDS_INDEX,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': key },
  };
  return (limit === undefined ? await queryAll(client, input) : await queryUpTo(client, input, limit)).map(recordOf);
}
