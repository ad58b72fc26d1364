/**
 * Agents' inboxes in the records table (`agent#<id>` / `inbox#<itemId>`, newest last): the
 * human's replies (written by the prompt book, in the transaction that rewards) and messages
 * between agents (the fee burned and the item put in the recipient's inbox, in one transaction).
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../economy/errors.js';
import { planBurn } from '../../economy/ledger.js';
import type { Micros } from '../../economy/money.js';
import type { Idempotent, Inbox, Page } from '../../economy/ports.js';
import { newMessage, type InboxItem } from '../../economy/society.js';
import { aliveCheck } from './agents.js';
import { inboxKey } from './keys.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { pageLimit } from '../../economy/pages.js';
import type { DynamoLedgerStore } from './ledger.js';
import { recordOf } from './records.js';
import type { Tables } from './tables.js';
import type { Write } from './transact.js';

export class DynamoInbox implements Inbox {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
  ) {}

  send(req: Idempotent & { from: string; to: string; body: string; fee: Micros }): Promise<InboxItem> {
    const { fee: _fee, ...identity } = req;
    return this.ledger.commit('message', identity, (ctx) => {
      const item = newMessage(req, ctx);
      const put: Write = {
        item: { Put: { TableName: this.tables.records, Item: { ...inboxKey(req.to, item.itemId), t: 'inbox', ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
        explain: () => new ConflictError('inbox item exists'),
      };
      return {
        ...(req.fee > 0 ? { plan: planBurn({ from: req.from, amount: req.fee, reason: 'fee:message', ref: item.itemId }, ctx) } : {}),
        writes: [aliveCheck(this.tables, req.to), put],
        result: item,
      };
    });
  }

  async read(agentId: string, page: { limit?: number; cursor?: string } = {}): Promise<Page<InboxItem>> {
    const pk = `agent#${agentId}`;
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tables.records,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :inbox)',
        ExpressionAttributeValues: { ':pk': pk, ':inbox': 'inbox#' },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, pk, 'inbox#') } : {}),
      }),
    );
    return { items: Items.map((i) => recordOf(i) as unknown as InboxItem), ...encodeCursor(LastEvaluatedKey) };
  }
}
