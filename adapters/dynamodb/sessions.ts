/**
 * The human page's sessions, kept on the server (`session#<id>` / `session`, removed by DynamoDB's
 * TTL after they expire): signing out deletes the session, so its cookie stops working at once.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SessionStore } from '../../economy/ports.js';
import { TTL_ATTRIBUTE, type Tables } from './tables.js';

const sessionKey = (id: string) => ({ pk: `session#${id}`, sk: 'session' });

export class DynamoSessionStore implements SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async open(id: string, expiresAt: number): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tables.records, Item: { ...sessionKey(id), t: 'session', [TTL_ATTRIBUTE]: Math.ceil(expiresAt / 1000) }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async isOpen(id: string, now: number): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: sessionKey(id), ConsistentRead: true }));
    return Item !== undefined && (Item[TTL_ATTRIBUTE] as number) * 1000 > now;
  }

  async close(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tables.records, Key: sessionKey(id) }));
  }
}
