/** Messages between agents: the fee burned and the item put in the recipient's inbox, in one transaction. */
import { ValidationError } from '../../economy/errors.js';
import { planBurn } from '../../economy/ledger.js';
import type { Micros } from '../../economy/money.js';
import type { Idempotent, InboxItem, Messenger } from '../../economy/ports.js';
import { assertMessageBody } from '../../economy/society.js';
import { aliveCheck } from './agents.js';
import type { DynamoLedgerStore } from './ledger.js';
import type { Tables } from './tables.js';
import type { Write } from './transact.js';

export class DynamoMessenger implements Messenger {
  constructor(
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
  ) {}

  send(req: Idempotent & { from: string; to: string; body: string; fee: Micros }): Promise<InboxItem> {
    const { fee: _fee, ...identity } = req;
    return this.ledger.commit('message', identity, (ctx) => {
      assertMessageBody(req.body);
      if (req.to === req.from) throw new ValidationError('an agent cannot message itself', { field: 'to' });
      const item: InboxItem = { itemId: ctx.newId(), kind: 'message', from: req.from, body: req.body, at: ctx.now };
      const put: Write = {
        item: { Put: { TableName: this.tables.records, Item: { pk: `agent#${req.to}`, sk: `inbox#${item.itemId}`, t: 'inbox', ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
        explain: () => new ValidationError('inbox item exists'),
      };
      return {
        ...(req.fee > 0 ? { plan: planBurn({ from: req.from, amount: req.fee, reason: 'fee:message', ref: item.itemId }, ctx) } : {}),
        writes: [aliveCheck(this.tables, req.to), put],
        result: item,
      };
    });
  }
}
