/**
 * Where the operator token comes from: `OPERATOR_TOKEN` (the local stack), or the Secrets Manager
 * secret named by `OPERATOR_TOKEN_SECRET_ARN` (AWS), read once and cached for the Lambda's life.
 */
import { AwsService, type ServiceSpec } from '../aws/service.js';

export const SECRETS_MANAGER: ServiceSpec = { id: 'SECRETS_MANAGER', endpointPrefix: 'secretsmanager', signingName: 'secretsmanager', json: { targetPrefix: 'secretsmanager', version: '1.1' } };

export function operatorTokenSource(env: Record<string, string | undefined>, secrets: () => AwsService = () => new AwsService(SECRETS_MANAGER, {}, env)): () => Promise<string> {
  const token = env.OPERATOR_TOKEN;
  if (token) return () => Promise.resolve(token);
  const secretId = env.OPERATOR_TOKEN_SECRET_ARN;
  if (!secretId) return () => Promise.reject(new Error('set OPERATOR_TOKEN or OPERATOR_TOKEN_SECRET_ARN'));
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= secrets()
      .json<{ SecretString?: string }>('GetSecretValue', { SecretId: secretId })
      .then((out) => {
        if (!out.SecretString) throw new Error(`secret ${secretId} has no string value`);
        return out.SecretString;
      })
      .catch((err: unknown) => {
        cached = undefined; // try again on the next request
        throw err;
      });
    return cached;
  };
}
