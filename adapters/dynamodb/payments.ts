/**
 * Agents paying agents (transfers): the ledger's movement and a check that the recipient is alive,
 * in one transaction, so no money is ever sent into a dead account.
 */
import { planTransfer } from '../../economy/ledger.js';
import type { Micros } from '../../economy/money.js';
import type { CredentialCheck, Idempotent, Payments, TransferReceipt } from '../../economy/ports.js';
import { aliveCheck } from './agents.js';
import { credentialCheck } from './credential-check.js';
import type { DynamoLedgerStore } from './ledger.js';
import type { Tables } from './tables.js';

export class DynamoPayments implements Payments {
  constructor(
    private readonly tables: Tables,
    private readonly ledger: DynamoLedgerStore,
  ) {}

  transfer(req: Idempotent & { from: string; to: string; amount: Micros; memo?: string }, credential?: CredentialCheck): Promise<TransferReceipt> {
    const request = { ...req, reason: 'transfer' };
    return this.ledger.commit('transfer', request, (ctx) => {
      const plan = planTransfer(request, ctx);
      return { plan, writes: [aliveCheck(this.tables, req.to)], result: { entryId: plan.entries[0]!.entryId, from: req.from, to: req.to, amount: req.amount } };
    }, credential && credentialCheck(this.tables, credential));
  }
}
