/**
 * The scheduled audit: `lambdas/audit.ts` on an EventBridge rule, every 10 minutes by default. It
 * reads the ledger and the journal whole (parallel scan segments) and writes only the last audit
 * (one item of the records table); its metrics go to the log in the embedded metric format.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventDeadLetterQueue } from './event-dead-letters.js';
import { HandlerFunction } from './handler-function.js';
import type { EconomyTables } from './tables.js';

export interface LedgerAuditProps {
  tables: EconomyTables;
  /** Variables every handler gets (table names, economy settings). */
  environment: Record<string, string>;
  /** How often the audit runs; default 10 minutes. */
  every?: Duration;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class LedgerAudit extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;
  /** How often the audit runs (the period of its metrics). */
  readonly every: Duration;
  /** Schedule firings the audit still failed on after the target's retries. */
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: LedgerAuditProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(10);
    this.every = every;
    this.function = new HandlerFunction(this, 'Handler', {
      entry: 'audit',
      description: 'Syntropism ledger audit: conservation and journal replay, kept and published as metrics (lambdas/audit.ts)',
      environment: props.environment,
      // A full scan; at most one period.
      timeout: Duration.seconds(Math.min(every.toSeconds(), 900)),
      memorySize: 1024,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    }).function;
    props.tables.grantAudit(this.function);

    this.rule = new Rule(this, 'Schedule', { description: 'Syntropism: audit the ledger', schedule: Schedule.rate(every) });
    // A missed audit is made up by the next one.
    this.deadLetters = eventDeadLetterQueue(this, 'ScheduleDeadLetters');
    this.rule.addTarget(new LambdaFunction(this.function, { retryAttempts: 1, maxEventAge: Duration.seconds(every.toSeconds()), deadLetterQueue: this.deadLetters }));
  }
}
