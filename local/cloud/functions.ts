/**
 * The template's Lambda functions, each in its own execution environment (a worker thread,
 * lambda-worker.mjs) whose `process.env` is exactly what the template gives the function (its
 * intrinsics resolved) plus what Lambda's runtime sets (region, credentials, the function's name)
 * and, in place of AWS's DNS, the emulators' endpoints (`AWS_ENDPOINT_URL_<SERVICE>`). A variable
 * the template does not give is not there, as in AWS.
 *
 * Every function is loaded at start, as a deployment would fail on a function without its
 * handler. An invocation that throws, or runs past the function's timeout, fails as Lambda's would
 * (a timed-out environment is thrown away and the next invocation starts a new one). Invocations
 * run concurrently in one environment, unlike Lambda's one-at-a-time environments: the handlers
 * keep no per-request state, so this changes timing only.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT } from '../../infra/handler-function.js';
import { LOCAL_REGION, type Resolver } from './intrinsics.js';
import { LOCAL_CREDENTIALS } from './provision.js';
import type { TemplateFunction } from './template.js';

const WORKER = fileURLToPath(new URL('./lambda-worker.mjs', import.meta.url));

export interface ErrorShape {
  name: string;
  message: string;
  stack?: string;
}

/** A function invocation that failed: the handler threw, or timed out. */
export class InvocationError extends Error {
  constructor(
    readonly functionName: string,
    readonly error: ErrorShape,
  ) {
    super(`${functionName}: ${error.name}: ${error.message}`);
  }
}

interface Environment {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<string, { resolve: (value: unknown) => void; reject: (err: Error) => void }>;
}

export class LocalFunction {
  private environment?: Environment;

  constructor(
    readonly name: string,
    readonly spec: TemplateFunction,
    /** The environment it runs with. */
    readonly env: Readonly<Record<string, string>>,
    private readonly log: (line: string) => void,
    /** Where the function's own output goes (CloudWatch Logs in AWS), each line prefixed with its name. */
    private readonly output?: Writable,
  ) {}

  /** Loads the function (a cold start); rejects if its entry point has no handler or fails to load. */
  load(): Promise<void> {
    return this.start().ready;
  }

  async invoke(event: unknown): Promise<unknown> {
    const environment = this.start();
    await environment.ready;
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        environment.pending.delete(id);
        reject(new InvocationError(this.name, { name: 'TimeoutError', message: `timed out after ${this.spec.timeoutSeconds} s` }));
        this.discard(environment);
      }, this.spec.timeoutSeconds * 1000);
      environment.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      environment.worker.postMessage({ id, event, requestId: id });
    });
  }

  async stop(): Promise<void> {
    const environment = this.environment;
    this.environment = undefined;
    await environment?.worker.terminate();
  }

  private start(): Environment {
    if (this.environment) return this.environment;
    const worker = new Worker(WORKER, {
      env: this.env,
      workerData: { entry: pathToFileURL(join(REPO_ROOT, this.spec.entry)).href, functionName: this.name, timeoutSeconds: this.spec.timeoutSeconds },
      // Like Lambda's memory setting, a ceiling on the environment's heap.
      resourceLimits: { maxOldGenerationSizeMb: this.spec.memoryMiB },
      stdout: true,
      stderr: true,
    });
    worker.unref();
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.output?.write(`${this.name} ${line}\n`));
    }
    const pending: Environment['pending'] = new Map();
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: { ready?: boolean; id?: string; result?: unknown; error?: ErrorShape }) => {
        if (message.ready !== undefined) {
          if (message.ready) resolve();
          else reject(new InvocationError(this.name, message.error!));
          return;
        }
        const waiting = pending.get(message.id!);
        pending.delete(message.id!);
        if (message.error) waiting?.reject(new InvocationError(this.name, message.error));
        else waiting?.resolve(message.result);
      });
    });
    const environment: Environment = { worker, ready, pending };
    worker.on('error', (err) => {
      this.log(`${this.name}: its environment failed: ${err.message}`);
      this.discard(environment, err);
    });
    worker.on('exit', () => this.discard(environment));
    this.environment = environment;
    return environment;
  }

  /** Throws an environment away, failing what it still had to answer. */
  private discard(environment: Environment, err: Error = new Error('the function environment stopped')): void {
    if (this.environment === environment) this.environment = undefined;
    for (const waiting of environment.pending.values()) waiting.reject(new InvocationError(this.name, { name: err.name, message: err.message }));
    environment.pending.clear();
    void environment.worker.terminate();
  }
}

/** The function a template ARN (a rule's target, an integration's URI) names, if it is one of ours. */
export function functionByArn(functions: ReadonlyMap<string, LocalFunction>, resolver: Resolver, arn: string | undefined): LocalFunction | undefined {
  return [...functions.values()].find((fn) => resolver.string({ 'Fn::GetAtt': [fn.name, 'Arn'] }, fn.name) === arn);
}

/** Lambda's own variables for a function, and the emulators in place of AWS's endpoints. */
export function runtimeEnv(fn: TemplateFunction, endpoints: Record<string, string>): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: 'local',
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMiB),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.logicalId}`,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    TZ: ':UTC',
    // Lambda runs Node 22; this warning of the SDK's is about the local Node 20.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...endpoints,
  };
}

/** Each function's environment: the template's, resolved; what cannot be resolved stops the start. */
export function functionEnv(fn: TemplateFunction, resolver: Resolver, endpoints: Record<string, string>): Record<string, string> {
  const template = Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, resolver.string(value, `${fn.logicalId} ${name}`)]));
  return { ...template, ...runtimeEnv(fn, endpoints) };
}
