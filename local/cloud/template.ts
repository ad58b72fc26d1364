/**
 * The CloudFormation template `npm start -- --cloud` runs: the CDK app synthesised as `cdk synth`
 * makes it (same builder, cdk.json's context), with two differences: Lambda code is not bundled
 * (the functions run from source; their bundles are checked by test/infra/handler-env.test.ts), and
 * context given here on top, such as short rounds (`localCloud`, infra/settings.ts). What the rest
 * of local/cloud/ reads of it is here, by resource type.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../infra/build-app.js';
import { ENTRY_METADATA, REPO_ROOT } from '../../infra/handler-function.js';

// CloudFormation is untyped JSON; each reader below checks or converts what it takes out.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Resource {
  logicalId: string;
  type: string;
  properties: Json;
  metadata: Json;
}

export interface Template {
  json: Json;
  resources: Resource[];
  /** The resources of one type. */
  ofType(type: string): Resource[];
  resource(logicalId: string): Resource;
}

export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as Json).context as Record<string, unknown>;
}

/** Synthesises the app with `context` over cdk.json's, without bundling Lambda code. */
export function synthesizeTemplate(context: Record<string, unknown> = {}): Template {
  const outdir = mkdtempSync(join(tmpdir(), 'syntropism-cloud-'));
  try {
    const { app, stack } = buildApp({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context } });
    const assembly = app.synth();
    return templateOf(assembly.getStackByName(stack.stackName).template as Json);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function templateOf(json: Json): Template {
  const resources = Object.entries((json.Resources ?? {}) as Json).map(([logicalId, r]: [string, Json]) => ({
    logicalId,
    type: String(r.Type),
    properties: (r.Properties ?? {}) as Json,
    metadata: (r.Metadata ?? {}) as Json,
  }));
  const byId = new Map(resources.map((r) => [r.logicalId, r]));
  return {
    json,
    resources,
    ofType: (type) => resources.filter((r) => r.type === type),
    resource: (logicalId) => {
      const found = byId.get(logicalId);
      if (!found) throw new Error(`the template has no resource ${logicalId}`);
      return found;
    },
  };
}

/** One of our functions: its entry point in source (from its metadata), as the template declares it. */
export interface TemplateFunction {
  logicalId: string;
  /** `lambdas/<name>.ts`, relative to the repository's root. */
  entry: string;
  environment: Json;
  timeoutSeconds: number;
  memoryMiB: number;
}

/**
 * Every function of the template. Functions CDK adds for itself (custom resources for log
 * retention and the like) run at deploy time only; they carry no entry point and are left out.
 */
export function functionsOf(template: Template): TemplateFunction[] {
  return template.ofType('AWS::Lambda::Function').flatMap((r) => {
    const entry = r.metadata[ENTRY_METADATA] as unknown;
    if (typeof entry !== 'string') return [];
    return [
      {
        logicalId: r.logicalId,
        entry,
        environment: ((r.properties.Environment as Json | undefined)?.Variables ?? {}) as Json,
        timeoutSeconds: Number(r.properties.Timeout ?? 3),
        memoryMiB: Number(r.properties.MemorySize ?? 128),
      },
    ];
  });
}
