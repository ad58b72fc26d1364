/** A single write's condition failed (outside a transaction, whose failures `transactWrite` explains). */
export function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
