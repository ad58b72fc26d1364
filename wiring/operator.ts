/** The operator token (from the environment locally, from Secrets Manager in AWS) and the operator as a caller. */
import { operatorTokenSource } from '../adapters/secrets/operator-token.js';
import { operatorCaller, type Caller } from '../economy/credentials.js';
import { once, type Base } from './base.js';

export function operatorTokenOf(b: Base): () => Promise<string> {
  return once(b, operatorTokenOf, () => operatorTokenSource(b.env));
}
export function operatorCallerOf(b: Base): Caller {
  return once(b, operatorCallerOf, () => operatorCaller(operatorTokenOf(b)));
}
