/**
 * One atomic write: a `TransactWriteItems` whose every item carries the condition that keeps it
 * safe, retried with backoff when DynamoDB cancels it for contention or throttling (nothing was
 * applied then), and turned into a typed domain error when a condition fails.
 */
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../../economy/errors.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface Write {
  item: TransactItem;
  /**
   * Explains why this item's condition failed, as a typed error; `current` is the item as it was
   * when the condition was checked (undefined if it did not exist).
   */
  explain: (current: Record<string, unknown> | undefined) => Error;
  /**
   * When several conditions fail at once, the explanation of the highest precedence wins: the
   * state of the thing (a hold already closed, a key already used) says more than a balance that
   * failed only because of it. Balances 0, records 1 (the default), idempotency records 2, the
   * caller's credential 3 (an invalid credential is told nothing else).
   */
  precedence?: number;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 12, baseDelayMs: 5, maxDelayMs: 400 };

/** Cancellation codes that mean "nothing happened, try again": contention or throttling. */
const RETRYABLE = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function transactWrite(
  client: DynamoDBDocumentClient,
  writes: Write[],
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<void> {
  const input: TransactWriteCommandInput = {
    TransactItems: writes.map((w) => withOldValuesOnFailure(w.item)),
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      await client.send(new TransactWriteCommand(input));
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (!reasons) {
        if (!isRetryableError(err) || attempt >= retry.attempts) throw err;
      } else {
        const failed = reasons
          .map((r, index) => ({ r, index }))
          .filter(({ r }) => r.Code === 'ConditionalCheckFailed')
          .sort((a, b) => (writes[b.index]!.precedence ?? 1) - (writes[a.index]!.precedence ?? 1))[0]?.index;
        if (failed !== undefined) throw writes[failed]!.explain(await currentItem(client, writes[failed]!.item, reasons[failed]!));
        if (!reasons.some((r) => r.Code && RETRYABLE.has(r.Code))) throw err;
        if (attempt >= retry.attempts) {
          throw new ConflictError('the ledger is busy with concurrent writes to the same accounts; try again', {
            attempts: attempt,
          });
        }
      }
      // Full jitter: spreads competing writers apart so that they stop colliding.
      const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
      await sleep(Math.random() * cap);
    }
  }
}

/**
 * One write outside a transaction, retried with the same backoff while DynamoDB refuses it for
 * conflicting with a transaction in flight on the same item (`TransactionConflictException`, which
 * the SDK does not retry): a run credential's renewal while a bid by that credential checks it.
 */
export async function retryingConflicts<T>(write: () => Promise<T>, retry: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (err) {
      if (!isRetryableError(err) || attempt >= retry.attempts) throw err;
      await sleep(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt));
    }
  }
}

function cancellationReasons(err: unknown): CancellationReason[] | undefined {
  if (err instanceof TransactionCanceledException) return err.CancellationReasons ?? [];
  // The document client may surface the same error as a plain ServiceException.
  if (err instanceof Error && err.name === 'TransactionCanceledException') {
    return (err as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  }
  return undefined;
}

function isRetryableError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TransactionConflictException' || err.name === 'TransactionInProgressException');
}

function withOldValuesOnFailure(item: TransactItem): TransactItem {
  if (item.Put) return { Put: { ...item.Put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (item.Update) return { Update: { ...item.Update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (item.Delete) return { Delete: { ...item.Delete, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (item.ConditionCheck) return { ConditionCheck: { ...item.ConditionCheck, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  return item;
}

/** The failed item as it was: from the cancellation reason when DynamoDB returned it, else read back. */
async function currentItem(
  client: DynamoDBDocumentClient,
  item: TransactItem,
  reason: CancellationReason,
): Promise<Record<string, unknown> | undefined> {
  if (reason.Item) return unmarshall(reason.Item);
  const target = item.Put
    ? { table: item.Put.TableName, key: keyOf(item.Put.Item) }
    : (() => {
        const op = item.Update ?? item.Delete ?? item.ConditionCheck;
        return op ? { table: op.TableName, key: op.Key } : undefined;
      })();
  if (!target?.table || !target.key) return undefined;
  const { Item } = await client.send(new GetCommand({ TableName: target.table, Key: target.key, ConsistentRead: true }));
  return Item;
}

function keyOf(item: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!item) return undefined;
  return 'sk' in item ? { pk: item.pk, sk: item.sk } : { pk: item.pk };
}
