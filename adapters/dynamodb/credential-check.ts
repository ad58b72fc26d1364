/**
 * The caller's credential, checked inside the write it authorises (a bid, a transfer, a cancel),
 * so that an authenticated write is one transaction: the credential's item is read by that
 * transaction's condition instead of by a request before it. See `CredentialCheck`
 * (economy/ports.ts) and `agentCaller` (economy/credentials.ts).
 */
import { UnauthorizedError } from '../../economy/errors.js';
import type { CredentialCheck } from '../../economy/ports.js';
import { credentialKey } from './keys.js';
import { TTL_ATTRIBUTE, type Tables } from './tables.js';
import type { Write } from './transact.js';

/**
 * A transaction item that holds only while an agent's credential is valid, as
 * `agentIdForCredential` reads it: its item present (death deletes it, as the end of a run does a
 * run's), the agent's, not a supervisor's token, and unexpired at the check's time. It outranks
 * every other refusal: an invalid credential learns nothing else (401).
 */
export function credentialCheck(tables: Tables, check: CredentialCheck): Write {
  return {
    item: {
      ConditionCheck: {
        TableName: tables.records,
        Key: credentialKey(check.credentialHash),
        ConditionExpression: 'agentId = :agent AND (attribute_not_exists(#kind) OR #kind <> :supervisor) AND (attribute_not_exists(#expires) OR #expires > :now)',
        ExpressionAttributeNames: { '#kind': 'kind', '#expires': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':agent': check.agentId, ':supervisor': 'supervisor', ':now': check.now / 1000 },
      },
    },
    explain: () => new UnauthorizedError('invalid agent credential'),
    precedence: 3,
  };
}
