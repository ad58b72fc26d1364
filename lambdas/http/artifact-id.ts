import { ValidationError } from '../../economy/errors.js';
import { agentIdSchema } from './schemas.js';

/** The `{id}` path parameter of an artifact route. */
export function artifactIdOf(params: Record<string, string | undefined>): string {
  const id = agentIdSchema.safeParse(params.id);
  if (!id.success) throw new ValidationError('artifact id is malformed', { field: 'id' });
  return id.data;
}
