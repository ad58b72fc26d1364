/**
 * Synthesises the app the CDK CLI would (same builder, cdk.json's context) into a temporary cloud
 * assembly, once per test file, and reads what the tests look at out of the template.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../../infra/build-app.js';
import { cdkJsonContext } from '../../../local/cloud/template.js';
import type { SyntropismStack } from '../../../infra/stack.js';

export type Json = Record<string, any>;

export interface Synthesized {
  stack: SyntropismStack;
  template: Template;
  /** The template as JSON. */
  json: Json;
  /** The cloud assembly's directory (assets are staged under it). */
  outdir: string;
  dispose: () => void;
}

export { cdkJsonContext };

/**
 * @param options.bundle run esbuild for every Lambda (slow); otherwise bundling is skipped, which
 *   changes nothing in the template but the code assets' hashes.
 */
export function synthesize(options: { context?: Record<string, unknown>; bundle?: boolean } = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'syntropism-cdk-'));
  const context = { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context };
  const { app, stack } = buildApp({ outdir, context });
  app.synth();
  const template = Template.fromStack(stack);
  return { stack, template, json: template.toJSON(), outdir, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** One of our Lambda functions in the template (CDK's own helper functions are left out). */
export interface TemplateFunction {
  logicalId: string;
  description: string;
  /** The entry point's name in lambdas/, read from the description. */
  entry: string;
  environment: Record<string, unknown>;
  roleLogicalId: string;
  properties: Json;
}

export function functionsOf(json: Json): TemplateFunction[] {
  return Object.entries(json.Resources as Json)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description ?? '').startsWith('Syntropism'))
    .map(([logicalId, r]) => {
      const description = String(r.Properties.Description);
      const entry = /\(lambdas\/([a-z0-9-]+)\.ts\)/.exec(description)?.[1];
      if (!entry) throw new Error(`${logicalId}: no entry point in its description "${description}"`);
      return {
        logicalId,
        description,
        entry,
        environment: r.Properties.Environment?.Variables ?? {},
        roleLogicalId: r.Properties.Role['Fn::GetAtt'][0],
        properties: r.Properties,
      };
    });
}

export interface Statement {
  effect: string;
  actions: string[];
  resources: unknown[];
  conditions?: Json;
}

/** Every statement of the policies attached to a role (inline policies, not managed ones). */
export function statementsOf(json: Json, roleLogicalId: string): Statement[] {
  const array = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const attached = Object.values(json.Resources as Json).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && array(r.Properties.Roles).some((ref: Json) => ref.Ref === roleLogicalId),
  );
  const inline = array(json.Resources[roleLogicalId]?.Properties?.Policies).map((p: Json) => p.PolicyDocument);
  return [...attached.map((p) => p.Properties.PolicyDocument), ...inline].flatMap((doc: Json) =>
    array(doc.Statement).map((s: Json) => ({
      effect: s.Effect,
      actions: array(s.Action),
      resources: array(s.Resource),
      ...(s.Condition ? { conditions: s.Condition } : {}),
    })),
  );
}

/** The actions a role is allowed on exactly this resource (a `Fn::GetAtt [id, Arn]` or a literal). */
export function allowedOn(statements: Statement[], resource: unknown): Set<string> {
  const key = JSON.stringify(resource);
  return new Set(statements.filter((s) => s.effect === 'Allow' && s.resources.some((r) => JSON.stringify(r) === key)).flatMap((s) => s.actions));
}

export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The logical id a `{Ref: id}` value names. */
export function refOf(value: unknown): string {
  const id = (value as Json | undefined)?.Ref;
  if (typeof id !== 'string') throw new Error(`not a Ref: ${JSON.stringify(value)}`);
  return id;
}

/** A function's environment as the handler would see it, intrinsics replaced by placeholder strings. */
export function placeholderEnv(environment: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, typeof v === 'string' ? v : `placeholder:${JSON.stringify(v).slice(0, 60)}`]));
}
