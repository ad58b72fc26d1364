/**
 * The credentials of a Lambda function: its role's, which Lambda puts in the environment. The
 * bundles of `lambdas/` use this in place of the SDK's default chain (`@aws-sdk/credential-provider-node`,
 * aliased at bundling in infra/handler-function.ts), which would carry SSO, profile files, process,
 * web identity, ECS and instance-metadata providers that a Lambda never uses (about a third of a
 * bundle and of its import time). Nothing else imports it: locally the SDK's own chain applies.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
