/** The secret a request presents: `Authorization: Bearer <secret>` (economy/credentials.ts knows whose it is). */
import { UnauthorizedError } from '../../economy/errors.js';

export function bearer(headers: Record<string, string | undefined>): string {
  const match = /^Bearer (\S+)$/.exec(headers.authorization ?? '');
  if (!match) throw new UnauthorizedError('send Authorization: Bearer <credential>');
  return match[1]!;
}
