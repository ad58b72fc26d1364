/**
 * The template's event wiring, run locally: EventBridge rules with a schedule fire their targets
 * on it (`rate(…)`, with the firing time in the event, as EventBridge sends it); rules with an
 * event pattern get the events `put` here that match it (the Fargate stand-in's task state
 * changes); SQS event source mappings feed their function batches from the queue (reporting
 * failed items, as `ReportBatchItemFailures` asks). A target that still fails after the rule's
 * retries has its event sent to the target's dead-letter queue, as EventBridge does.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startScheduler, type Scheduler } from '../scheduler.js';
import { startSqsConsumer, type SqsConsumer } from '../sqs-consumer.js';
import { functionByArn, type LocalFunction } from './functions.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type Resolver } from './intrinsics.js';
import type { Json, Template } from './template.js';

export interface EventWiring {
  /** Delivers an event to the targets of every rule whose pattern it matches. */
  put(event: Json): Promise<void>;
  stop(): Promise<void>;
}

const UNIT_SECONDS: Record<string, number> = { second: 1, seconds: 1, minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 };

/** A `rate(N unit)` expression's period in seconds (the only kind our stack uses). */
export function ratePeriodSeconds(expression: string): number {
  const match = /^rate\((\d+) (\w+)\)$/.exec(expression);
  const unit = match ? UNIT_SECONDS[match[2]!] : undefined;
  if (!match || !unit) throw new Error(`schedule ${expression}: only rate(N unit) schedules are run locally`);
  return Number(match[1]) * unit;
}

/** Whether `event` matches an EventBridge pattern (exact values, nested fields). */
export function matches(pattern: Json, event: Json): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key] as unknown;
    if (Array.isArray(expected)) return expected.some((value) => value === actual);
    if (expected && typeof expected === 'object') return actual !== null && typeof actual === 'object' && matches(expected as Json, actual);
    return false;
  });
}

interface Target {
  fn: LocalFunction;
  retries: number;
  deadLetterQueueUrl?: string;
}

export function startEventWiring(options: {
  template: Template;
  resolver: Resolver;
  functions: ReadonlyMap<string, LocalFunction>;
  /** Queue URLs by ARN (dead-letter queues, event sources). */
  queueUrls: ReadonlyMap<string, string>;
  sqs: SQSClient;
  log: (line: string) => void;
}): EventWiring {
  const { template, resolver, functions, queueUrls, sqs, log } = options;
  const schedulers: Scheduler[] = [];
  const consumers: SqsConsumer[] = [];
  const patterned: { name: string; pattern: Json; targets: Target[] }[] = [];

  const deliver = async (rule: string, targets: Target[], event: Json) => {
    await Promise.all(
      targets.map(async (target) => {
        for (let attempt = 0; ; attempt += 1) {
          try {
            await target.fn.invoke(event);
            return;
          } catch (err) {
            if (attempt < target.retries) continue;
            log(`${rule} → ${target.fn.name}: ${err instanceof Error ? err.message : String(err)}`);
            if (target.deadLetterQueueUrl) await sqs.send(new SendMessageCommand({ QueueUrl: target.deadLetterQueueUrl, MessageBody: JSON.stringify(event) }));
            return;
          }
        }
      }),
    );
  };

  for (const rule of template.ofType('AWS::Events::Rule')) {
    if (rule.properties.State === 'DISABLED') continue;
    const targets = ((rule.properties.Targets ?? []) as Json[]).map((t, i): Target => {
      const arn = resolver.string(t.Arn, `${rule.logicalId}.Targets[${i}].Arn`);
      const fn = functionByArn(functions, resolver, arn);
      if (!fn) throw new Error(`rule ${rule.logicalId}: its target ${arn} is not one of the template's functions`);
      const deadLetters = t.DeadLetterConfig as { Arn?: unknown } | undefined;
      const dlqArn = deadLetters?.Arn ? resolver.string(deadLetters.Arn, `${rule.logicalId} dead letters`) : undefined;
      const deadLetterQueueUrl = dlqArn ? queueUrls.get(dlqArn) : undefined;
      return { fn, retries: (t.RetryPolicy as { MaximumRetryAttempts?: number } | undefined)?.MaximumRetryAttempts ?? 185, ...(deadLetterQueueUrl ? { deadLetterQueueUrl } : {}) };
    });
    if (typeof rule.properties.ScheduleExpression === 'string') {
      const period = ratePeriodSeconds(rule.properties.ScheduleExpression);
      const ruleArn = `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${rule.logicalId}`;
      schedulers.push(
        startScheduler(period, ({ time }) =>
          deliver(rule.logicalId, targets, {
            version: '0',
            id: randomUUID(),
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: LOCAL_ACCOUNT,
            time: time.replace(/\.\d{3}Z$/, 'Z'),
            region: LOCAL_REGION,
            resources: [ruleArn],
            detail: {},
          }),
        ),
      );
    } else if (rule.properties.EventPattern) {
      patterned.push({ name: rule.logicalId, pattern: resolver.resolve(rule.properties.EventPattern, `${rule.logicalId}.EventPattern`) as Json, targets });
    }
  }

  for (const mapping of template.ofType('AWS::Lambda::EventSourceMapping')) {
    const p = mapping.properties;
    const sourceArn = resolver.string(p.EventSourceArn, `${mapping.logicalId}.EventSourceArn`);
    const queueUrl = queueUrls.get(sourceArn);
    const fn = functions.get(resolver.string(p.FunctionName, `${mapping.logicalId}.FunctionName`));
    if (!queueUrl || !fn) throw new Error(`event source mapping ${mapping.logicalId}: no local queue or function for it`);
    consumers.push(
      startSqsConsumer({
        client: sqs,
        queueUrl,
        queueArn: sourceArn,
        batchSize: Number(p.BatchSize ?? 10),
        handler: async (event: SQSEvent) => ((await fn.invoke(event)) as SQSBatchResponse | null) ?? { batchItemFailures: [] },
        onError: (err) => log(`${mapping.logicalId}: ${err instanceof Error ? err.message : String(err)}`),
      }),
    );
  }

  return {
    put: async (event) => {
      await Promise.all(patterned.filter((rule) => matches(rule.pattern, event)).map((rule) => deliver(rule.name, rule.targets, event)));
    },
    stop: async () => {
      await Promise.all([...schedulers, ...consumers].map((s) => s.stop()));
    },
  };
}
