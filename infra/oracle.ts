/**
 * The oracle: `lambdas/oracle.ts` on an EventBridge schedule, one round per firing.
 *
 * An EventBridge rule rather than EventBridge Scheduler: a rule's scheduled event carries its
 * firing time in `time`, which the handler turns into the round's tick, so a repeated delivery of
 * one firing runs nothing twice. A Scheduler target would need an input template to pass it.
 */
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventDeadLetterQueue } from './event-dead-letters.js';
import { HandlerFunction } from './handler-function.js';
import type { EconomyTables } from './tables.js';

export interface OracleProps {
  tables: EconomyTables;
  /** The schedule's period; the handler gets the same value as ROUND_SECONDS. */
  roundSeconds: number;
  /** Variables every handler gets (table names, economy settings). */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class Oracle extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;
  /** Schedule firings the oracle still failed on after the target's retries. */
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: OracleProps) {
    super(scope, id);
    this.function = new HandlerFunction(this, 'Handler', {
      entry: 'oracle',
      description: 'Syntropism oracle: one round per schedule firing (lambdas/oracle.ts)',
      environment: { ...props.environment, ROUND_SECONDS: String(props.roundSeconds) },
      // A round may take up to its period (and half a minute at least, for a local template's short
      // rounds); an overlapping invocation is safe (it joins or stops).
      timeout: Duration.seconds(Math.min(Math.max(props.roundSeconds, 30), 900)),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    }).function;
    // A round moves money (captures, releases) and writes rounds, bids and leases.
    props.tables.grantReadWrite(this.function);

    this.rule = new Rule(this, 'Schedule', {
      description: `Syntropism: run an oracle round every ${props.roundSeconds} s`,
      // Whole minutes in any deployable template; seconds only in a local one (settings.ts, `localCloud`).
      schedule: props.roundSeconds % 60 === 0 ? Schedule.rate(Duration.seconds(props.roundSeconds)) : Schedule.expression(`rate(${props.roundSeconds} seconds)`),
    });
    if (props.roundSeconds % 60 !== 0) {
      Validations.of(this.rule).acknowledge({
        id: 'CloudFormation-Validate::E3027',
        reason: 'A template for `npm start -- --cloud` alone (context localCloud), whose short rounds only the local schedule runs; CloudFormation refuses it.',
      });
    }
    // Retrying an old firing is harmless (its tick has run or is finished by the next one), but
    // useless after a period: the next firing does the work.
    this.deadLetters = eventDeadLetterQueue(this, 'ScheduleDeadLetters');
    this.rule.addTarget(
      new LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.seconds(Math.max(60, props.roundSeconds)), deadLetterQueue: this.deadLetters }),
    );
  }
}
