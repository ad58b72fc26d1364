/**
 * The human operator's token for `/admin/*` (and, later, the human page's login): a random string
 * that Secrets Manager generates at deploy time, so that it never appears in the template, the
 * repository or a deploy log. The operator reads it with
 * `aws secretsmanager get-secret-value --secret-id <OperatorTokenSecretArn>`.
 */
import { Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export class OperatorToken extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'Syntropism: the operator token (Authorization: Bearer <token> on /admin/*)',
      // Bearer-safe characters only: letters and digits, 64 of them (~380 bits).
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The operator token is a bearer secret held by one human, not a credential a rotation Lambda could change on both ends; the operator rotates it by putting a new random value (docs/DEPLOY.md).',
    });
  }

  /** Lets a function authenticate the operator: where the token is (`OPERATOR_TOKEN_SECRET_ARN`, read by `operatorTokenSource`) and the right to read it. */
  grantVerify(fn: LambdaFunction): void {
    fn.addEnvironment('OPERATOR_TOKEN_SECRET_ARN', this.secret.secretArn);
    this.secret.grantRead(fn);
  }
}
