/**
 * Acknowledging a cdk-nag finding where a grant causes it. A grant's finding appears on the
 * grantee's policy, so the acknowledgement goes on the grantee (its role), next to the grant and
 * with the grant's reason, instead of in a list far from both.
 */
import { Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

export function acknowledgeOnGrantee(grantee: IGrantable, acknowledgement: { id: string; reason: string }): void {
  const principal = grantee.grantPrincipal as Partial<IConstruct>;
  // Principals that are not constructs (an account, a service) have no policy of ours to flag.
  if (principal.node) Validations.of(principal as IConstruct).acknowledge(acknowledgement);
}
