/**
 * The CDK app: the stack, its settings from context, and cdk-nag's AWS Solutions checks over
 * everything, so that `cdk synth` fails on an unacknowledged finding. The tests build the same app.
 */
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFromContext } from './settings.js';
import { SyntropismStack } from './stack.js';

export const STACK_NAME = 'Syntropism';

export function buildApp(props: AppProps = {}): { app: App; stack: SyntropismStack } {
  const app = new App(props);
  const stack = new SyntropismStack(app, STACK_NAME, { settings: settingsFromContext(app.node) });
  // cdk-nag 3 is a validation plugin: an unacknowledged error fails the synth. The acknowledgements
  // are also written into the template (`cdk_nag` metadata), as an audit trail of each reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
  return { app, stack };
}
