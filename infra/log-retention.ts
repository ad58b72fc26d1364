/**
 * Log groups that AWS would otherwise create on first use, without retention (kept forever): those
 * of Lambda functions that CDK adds on its own (custom resource providers, such as the VPC's
 * default-security-group one), which lack a `LoggingConfig`. Each gets a log group of ours with the
 * deployment's retention, and writes there.
 */
import { CfnResource, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export function giveEveryFunctionALogGroup(stack: Stack, props: { retention: RetentionDays; removalPolicy: RemovalPolicy }): void {
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof CfnResource) || construct.cfnResourceType !== 'AWS::Lambda::Function') continue;
    // Our functions (L2) set it; a custom resource provider's handler is a plain CfnResource, which
    // CDK gives no LoggingConfig (test/infra/stack.test.ts checks every function of the template).
    if (construct instanceof CfnFunction && construct.loggingConfig !== undefined) continue;
    const scope = construct.node.scope;
    if (!(scope instanceof Construct)) continue;
    const logGroup = new LogGroup(scope, `${construct.node.id}Logs`, { retention: props.retention, removalPolicy: props.removalPolicy });
    construct.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
  }
}
