/**
 * The LLM gateway's access to its provider. In AWS that is Bedrock's Converse API, which IAM
 * authorises as bedrock:InvokeModel on the model: a foundation model in this region or, for a
 * cross-region inference profile (`us.…`, `eu.…`), the profile (plus bedrock:GetInferenceProfile)
 * and the model in whichever region the profile routes a call to.
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledgeOnGrantee } from './nag.js';
import type { DeploySettings } from './settings.js';

/** The variables `llmProviderFromEnv` reads. */
export function llmEnvironment(llm: DeploySettings['llm']): Record<string, string> {
  return { SYNTROPISM_LLM_PROVIDER: llm.provider, SYNTROPISM_LLM_MODEL: llm.model };
}

const INFERENCE_PROFILE = /^(us|eu|apac|us-gov|global)\.(.+)$/;

export function grantInvokeModel(scope: Construct, grantee: IGrantable, model: string): void {
  const stack = Stack.of(scope);
  const profile = INFERENCE_PROFILE.exec(model);
  if (!profile) {
    const foundationModel = stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: model });
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [foundationModel] }));
    return;
  }
  const profileArn = stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: model });
  const routedModel = stack.formatArn({ service: 'bedrock', region: '*', account: '', resource: 'foundation-model', resourceName: profile[2] });
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['bedrock:InvokeModel', 'bedrock:GetInferenceProfile'], resources: [profileArn] }));
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [routedModel] }));
  acknowledgeOnGrantee(grantee, {
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${profile[2]}]`,
    reason: `The inference profile ${model} routes each call to ${profile[2]} in one of several regions of Bedrock's choosing; the grant names that one model in any region, no other.`,
  });
}
