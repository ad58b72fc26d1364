/**
 * A single write that DynamoDB refuses for conflicting with a transaction in flight on its item
 * (a run credential's renewal while a bid by that run checks the credential) is tried again, as
 * transactions are; any other error is not, and neither is a conflict past the last attempt.
 */
import { describe, expect, it } from 'vitest';
import { retryingConflicts } from '../../adapters/dynamodb/transact.js';

const conflict = () => Object.assign(new Error('Transaction is ongoing for the item'), { name: 'TransactionConflictException' });
const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

function failing(errors: Error[]) {
  let calls = 0;
  return {
    write: () => {
      const err = errors[calls++];
      return err ? Promise.reject(err) : Promise.resolve('written');
    },
    calls: () => calls,
  };
}

describe('a single write beside transactions', () => {
  it('is tried again while it conflicts with a transaction, and succeeds', async () => {
    const w = failing([conflict(), conflict()]);
    expect(await retryingConflicts(w.write, fast)).toBe('written');
    expect(w.calls()).toBe(3);
  });

  it('gives up after the last attempt, and never retries other errors', async () => {
    const always = failing([conflict(), conflict(), conflict(), conflict(), conflict()]);
    await expect(retryingConflicts(always.write, fast)).rejects.toMatchObject({ name: 'TransactionConflictException' });
    expect(always.calls()).toBe(4);
    const condition = failing([Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' })]);
    await expect(retryingConflicts(condition.write, fast)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(condition.calls()).toBe(1);
  });
});
