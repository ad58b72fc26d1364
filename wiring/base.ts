/**
 * The composition root's common ground: what every adapter is built from (the document client,
 * the table names, the economy's settings, the clock, the id source and the environment); `once`,
 * which builds each adapter at most once per base, so that adapters built from one base share
 * their stores (the ledger above all); and `deployed`, which builds a Lambda's handler from its
 * environment on the first invocation, so that importing a handler constructs nothing.
 *
 * Factories are plain functions (`bidsOf(base)`), one module per outside service, so that a
 * bundle carries only the adapters its handler asks for (a `const bidsOf = memo(...)` would be a
 * top-level call, which esbuild keeps in every bundle that imports the module, with its clients).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { makeDocumentClient } from '../adapters/dynamodb/client.js';
import { tablesFromEnv, type Tables } from '../adapters/dynamodb/tables.js';
import { loadConfig, type Config } from '../economy/config.js';
import { systemClock, type Clock } from '../economy/ports.js';

export type Env = Record<string, string | undefined>;

export interface Base {
  readonly client: DynamoDBDocumentClient;
  readonly tables: Tables;
  readonly config: Config;
  readonly clock: Clock;
  readonly newId: () => string;
  /** Where services other than DynamoDB are configured (queue URLs, the bucket, the model...). */
  readonly env: Env;
}

export function baseOf(options: Pick<Base, 'client' | 'tables' | 'config'> & { clock?: Clock; env?: Env }): Base {
  return { clock: systemClock, env: {}, ...options, newId: monotonicFactory() };
}

/** As the CDK stack (and the local stack) configure a function: from its environment. */
export function baseFromEnv(env: Env = process.env): Base {
  return baseOf({ client: makeDocumentClient(), tables: tablesFromEnv(env), config: loadConfig(env, env.SYNTROPISM_MODE === 'local' ? 'local' : 'aws'), env });
}

const built = new WeakMap<Base, Map<unknown, unknown>>();

/** What `factory` makes of `base`, made on the first call only. */
export function once<T>(base: Base, factory: (base: Base) => T, make: () => T): T {
  let made = built.get(base);
  if (!made) built.set(base, (made = new Map()));
  if (!made.has(factory)) made.set(factory, make());
  return made.get(factory) as T;
}

/** A required setting of the environment, or why it is missing. */
export function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

/** A Lambda entry point: its handler, built from the environment on the first invocation. */
export function deployed<A extends unknown[], R>(make: (base: Base) => (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let handler: ((...args: A) => Promise<R>) | undefined;
  return (...args: A) => {
    handler ??= make(baseFromEnv());
    return handler(...args);
  };
}
