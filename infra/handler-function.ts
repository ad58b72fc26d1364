/**
 * One Lambda entry point of `lambdas/` as a function: bundled here by the local esbuild (no Docker),
 * Node 22 on arm64, its own log group with the deployment's retention, and its own role that may
 * only write that log group until a construct grants it more.
 */
import { fileURLToPath } from 'node:url';
import { Validations, type CfnResource, type Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository's root: esbuild resolves `lambdas/` and the lockfile from here. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The metadata key that names a function's entry point (`lambdas/<entry>.ts`) in the template, for
 * whatever runs the template's functions from source (`npm start -- --cloud`, local/cloud/).
 */
export const ENTRY_METADATA = 'Syntropism::Entry';

/** The SDK's default credential chain, and what a Lambda bundle has in its place. */
export const CREDENTIAL_CHAIN = '@aws-sdk/credential-provider-node';
export const LAMBDA_CREDENTIALS = `${REPO_ROOT}wiring/lambda-credentials.ts`;

/**
 * What a Lambda bundle has in place of modules of the SDK that it never uses: the default credential
 * chain (wiring/lambda-credentials.ts) and event streams (wiring/lambda-event-streams.ts).
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  [CREDENTIAL_CHAIN]: LAMBDA_CREDENTIALS,
  '@smithy/core/event-streams': `${REPO_ROOT}wiring/lambda-event-streams.ts`,
};

export interface HandlerFunctionProps {
  /** The entry point's file name in `lambdas/`, without `.ts`. */
  entry: string;
  /** Shown in the console, and names the entry so that a reader (or a test) can tell the functions apart. */
  description: string;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** The log group's fate on `cdk destroy`: the deployment's, like its data. */
  logRemovalPolicy: RemovalPolicy;
  timeout: Duration;
  /** @default 512 — middy, zod and the SDK start noticeably faster with more than the minimum CPU. */
  memorySize?: number;
  /**
   * Files of installed packages that the handler reads from disk at run time (esbuild bundles
   * what is imported, not what is read), shipped at the same path under the asset's node_modules.
   */
  packageFiles?: readonly string[];
}

/** Bundling hooks that copy `node_modules/<file>` from the project into the bundle. */
function copyPackageFiles(files: readonly string[]): ICommandHooks {
  for (const file of files) if (!/^[\w@.-]+(\/[\w@.-]+)+$/.test(file) || file.includes('..')) throw new Error(`not a package file path: ${file}`);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      files.map((file) => {
        const target = `${outputDir}/node_modules/${file}`;
        return `mkdir -p "${target.slice(0, target.lastIndexOf('/'))}" && cp "${inputDir}/node_modules/${file}" "${target}"`;
      }),
  };
}

export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.logRemovalPolicy });
    // A role of our own instead of the default one, whose AWS-managed policy may write any log group.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `${props.description}: Lambda role` });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${REPO_ROOT}lambdas/${props.entry}.ts`,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        // ESM output keeps the handlers' `import.meta`; bundled CommonJS dependencies still call
        // `require`, which ESM lacks, so give them one.
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        // A function's credentials are its role's, in its environment: the SDK's default chain of
        // providers (profiles, SSO, instance metadata...) would only add weight (wiring/lambda-credentials.ts);
        // so would event streams, which DynamoDB does not have (wiring/lambda-event-streams.ts).
        esbuildArgs: Object.fromEntries(Object.entries(LAMBDA_ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
        // The SDK version the lockfile pins and the tests ran, not whichever the runtime ships.
        bundleAwsSDK: true,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        logLevel: LogLevel.WARNING,
        ...(props.packageFiles?.length ? { commandHooks: copyPackageFiles(props.packageFiles) } : {}),
      },
    });
    (this.function.node.defaultChild as CfnResource).addMetadata(ENTRY_METADATA, `lambdas/${props.entry}.ts`);
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime this project targets and tests (LTS until April 2027); nodejs24.x is a deliberate upgrade of its own, not a side effect of a synth.',
    });
  }
}
