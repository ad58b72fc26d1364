/**
 * What a deployment may choose, read from CDK context (`cdk.json`, or `-c key=value` on the command
 * line) and checked at synth, so that a bad value fails `cdk synth` instead of a deployed Lambda.
 * Economy settings (supply, reserve prices, fees…) use the names of `economy/config.ts`'s settings
 * (context `supplyVcpu` → `SYNTROPISM_SUPPLY_VCPU`); unset ones keep that module's defaults.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { CONFIG_ENV, loadConfig } from '../economy/config.js';
import { isValidFargateSize, validFargateSizes } from '../economy/resources.js';

export type AgentArchitecture = 'x86_64' | 'arm64';

/** The LLM gateway's provider in AWS: Bedrock (the SPEC's), or the labelled offline one. */
export type LlmProviderKind = 'bedrock' | 'offline';

export interface DeploySettings {
  /**
   * The oracle's period; EventBridge schedules fire at most once a minute, so a multiple of 60,
   * except in a template made for `npm start -- --cloud` alone (`localCloud`).
   */
  roundSeconds: number;
  /**
   * A template for `npm start -- --cloud` only (context `localCloud`), which may have rounds shorter
   * than EventBridge's minute so that tests live through many leases quickly. The stack carries an
   * warning then, and CloudFormation refuses the schedule.
   */
  localCloud: boolean;
  /** The API's default stage throttling: steady requests per second, and the burst above it. */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** Deliveries of one metering message before it goes to the dead-letter queue. */
  meteringMaxReceiveCount: number;
  /** The agent task definition's default size; the runner overrides it per lease at RunTask. */
  agentVcpu: number;
  agentMemoryMiB: number;
  /** The agent image's CPU architecture (the image is built for it on the deploying machine). */
  agentArchitecture: AgentArchitecture;
  logRetention: RetentionDays;
  /** The LLM gateway's provider and model (a Bedrock model id, or an inference profile id). */
  /** The LLM gateway: its provider and model, and how long a model call may take (the economy's SYNTROPISM_LLM_TIMEOUT_SECONDS). */
  llm: { provider: LlmProviderKind; model: string; timeoutSeconds: number };
  /** What `cdk destroy` does to the tables and the workspace bucket. */
  removalPolicy: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY;
  /** DynamoDB deletion protection on the tables. */
  deletionProtection: boolean;
  /** Economy settings from context, as the environment variables `economy/config.ts` reads. */
  economyEnv: Record<string, string>;
  /** Where alarms and budget notices are e-mailed (subscribed to the alarm topic); none by default. */
  alarmEmail?: string;
  /** The monthly cost budget in US dollars: notices at 80 % of actual and 100 % of forecast cost. */
  monthlyBudgetUsd: number;
}

/** The context keys this module reads beyond the economy's settings, with their defaults. */
export const CONTEXT_DEFAULTS = {
  roundSeconds: 60,
  apiRateLimit: 50,
  apiBurstLimit: 100,
  meteringMaxReceiveCount: 5,
  agentVcpu: 0.25,
  agentMemoryMiB: 512,
  agentArchitecture: 'x86_64',
  logRetentionDays: 30,
  removalPolicy: 'retain',
  llmProvider: 'bedrock',
  llmModel: 'anthropic.claude-3-haiku-20240307-v1:0',
  monthlyBudgetUsd: 100,
} as const;

type Context = Pick<Node, 'tryGetContext'>;

export function settingsFromContext(node: Context): DeploySettings {
  const read = (key: string): unknown => node.tryGetContext(key) as unknown;
  const localCloud = boolean(read('localCloud') ?? false, 'localCloud');
  const roundSeconds = integer(read('roundSeconds') ?? CONTEXT_DEFAULTS.roundSeconds, 'roundSeconds', localCloud ? 1 : 60, 86_400);
  if (roundSeconds % 60 !== 0 && !localCloud) throw new Error(`context roundSeconds must be a whole number of minutes (EventBridge's finest rate), got ${roundSeconds}`);

  const agentVcpu = number(read('agentVcpu') ?? CONTEXT_DEFAULTS.agentVcpu, 'agentVcpu');
  const agentMemoryMiB = integer(read('agentMemoryMiB') ?? CONTEXT_DEFAULTS.agentMemoryMiB, 'agentMemoryMiB', 512, 30_720);
  if (!isValidFargateSize(agentVcpu, agentMemoryMiB)) {
    throw new Error(`context agentVcpu ${agentVcpu} with agentMemoryMiB ${agentMemoryMiB} is not a Fargate size; valid: ${validFargateSizes().join('; ')}`);
  }

  const removal = oneOf(read('removalPolicy') ?? CONTEXT_DEFAULTS.removalPolicy, 'removalPolicy', ['retain', 'destroy'] as const);
  const economyEnv = economyEnvFromContext(read);
  // Fail the synth, not the first request, on a value the economy would refuse.
  const economy = loadConfig({ ...economyEnv, ROUND_SECONDS: String(roundSeconds) });

  return {
    roundSeconds,
    localCloud,
    apiRateLimit: integer(read('apiRateLimit') ?? CONTEXT_DEFAULTS.apiRateLimit, 'apiRateLimit', 1, 10_000),
    apiBurstLimit: integer(read('apiBurstLimit') ?? CONTEXT_DEFAULTS.apiBurstLimit, 'apiBurstLimit', 1, 5_000),
    meteringMaxReceiveCount: integer(read('meteringMaxReceiveCount') ?? CONTEXT_DEFAULTS.meteringMaxReceiveCount, 'meteringMaxReceiveCount', 1, 1000),
    agentVcpu,
    agentMemoryMiB,
    agentArchitecture: oneOf(read('agentArchitecture') ?? CONTEXT_DEFAULTS.agentArchitecture, 'agentArchitecture', ['x86_64', 'arm64'] as const),
    logRetention: retention(read('logRetentionDays') ?? CONTEXT_DEFAULTS.logRetentionDays),
    llm: {
      provider: oneOf(read('llmProvider') ?? CONTEXT_DEFAULTS.llmProvider, 'llmProvider', ['bedrock', 'offline'] as const),
      model: modelId(read('llmModel') ?? CONTEXT_DEFAULTS.llmModel),
      timeoutSeconds: economy.llm.timeoutSeconds,
    },
    removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    deletionProtection: boolean(read('deletionProtection') ?? removal === 'retain', 'deletionProtection'),
    economyEnv,
    ...optional('alarmEmail', read('alarmEmail'), email),
    monthlyBudgetUsd: positive(read('monthlyBudgetUsd') ?? CONTEXT_DEFAULTS.monthlyBudgetUsd, 'monthlyBudgetUsd'),
  };
}

/**
 * The inverse of the above: economy settings set in an environment, as context keys (`SYNTROPISM_PAYMENTS`
 * → `payments`). `npm start -- --cloud` synthesises its template with them, so a setting in the
 * environment reaches each function's environment there as it does under plain `npm start`.
 */
export function economyContextFromEnv(env: Record<string, string | undefined>): Record<string, string> {
  const context: Record<string, string> = {};
  for (const [key, name] of Object.entries(CONFIG_ENV)) {
    const value = env[name];
    if (key !== 'roundSeconds' && value !== undefined) context[key] = value;
  }
  return context;
}

/** Economy settings given in context, keyed by their environment variable. `roundSeconds` is the schedule's, above. */
function economyEnvFromContext(read: (key: string) => unknown): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(CONFIG_ENV)) {
    if (key === 'roundSeconds') continue;
    const value = read(key);
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`context ${key} must be a number or decimal text`);
    env[name] = String(value);
  }
  return env;
}

// Context values come as strings from `-c key=value` and as JSON values from cdk.json.

function number(value: unknown, key: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`context ${key} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

function integer(value: unknown, key: string, min: number, max: number): number {
  const n = number(value, key);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`context ${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return n;
}

function positive(value: unknown, key: string): number {
  const n = number(value, key);
  if (n <= 0 || n > 1_000_000_000) throw new Error(`context ${key} must be a positive amount, got ${JSON.stringify(value)}`);
  return n;
}

/** `{ [key]: value }` when the context gives the key (an empty string counts as not given), else nothing. */
function optional<K extends string, T>(key: K, value: unknown, parse: (value: unknown, key: K) => T): Partial<Record<K, T>> {
  if (value === undefined || value === '') return {};
  return { [key]: parse(value, key) } as Partial<Record<K, T>>;
}

function email(value: unknown, key: string): string {
  // One address, as SNS and Budgets take it; nothing to split on (no spaces, commas or a second @).
  if (typeof value === 'string' && value.length <= 254 && /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/.test(value)) return value;
  throw new Error(`context ${key} must be one e-mail address, got ${JSON.stringify(value)}`);
}

function boolean(value: unknown, key: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

function oneOf<T extends string>(value: unknown, key: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`context ${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

function modelId(value: unknown): string {
  // Bedrock model and inference profile ids: letters, digits and . - : _ (it becomes part of an ARN).
  if (typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/.test(value)) return value;
  throw new Error(`context llmModel must be a Bedrock model id, got ${JSON.stringify(value)}`);
}

function retention(value: unknown): RetentionDays {
  const days = number(value, 'logRetentionDays');
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number');
  const match = allowed.find((v) => v.valueOf() === days);
  if (match === undefined) throw new Error(`context logRetentionDays must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return match;
}
