/**
 * Usage per lease in the records table, applied exactly once per report:
 *   agent#<id> / usage#<leaseId>   the lease's usage, with a version for optimistic concurrency
 *   report#<reportId> / report     the marker that a report was applied (kept 7 days)
 * One transaction writes the marker (only if absent), the usage (only if unchanged since read)
 * and checks that the lease is the agent's.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../economy/errors.js';
import { applyReport, emptyUsage, type LeaseUsage, type UsageReport } from '../../economy/metering.js';
import type { UsageStore } from '../../economy/ports.js';
import { TTL_ATTRIBUTE, type Tables } from './tables.js';
import { transactWrite } from './transact.js';

const usageKey = (agentId: string, leaseId: string) => ({ pk: `agent#${agentId}`, sk: `usage#${leaseId}` });
const markerKey = (reportId: string) => ({ pk: `report#${reportId}`, sk: 'report' });
const MARKER_DAYS = 7;

class AlreadyApplied extends ConflictError {}
class UsageMoved extends ConflictError {}

export class DynamoUsageStore implements UsageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Tables,
  ) {}

  async apply(report: UsageReport): Promise<{ applied: boolean; usage: LeaseUsage }> {
    for (let attempt = 1; ; attempt += 1) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tables.records, Key: usageKey(report.agentId, report.leaseId), ConsistentRead: true }),
      );
      const version = (Item?.version as number | undefined) ?? 0;
      const current = Item ? strip(Item) : emptyUsage(report.agentId, report.leaseId);
      const next = applyReport(current, report);
      try {
        await transactWrite(this.client, [
          {
            item: {
              ConditionCheck: {
                TableName: this.tables.records,
                Key: { pk: `agent#${report.agentId}`, sk: `lease#${report.leaseId}` },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            explain: () => new NotFoundError('lease', `${report.leaseId} of agent ${report.agentId}`),
          },
          {
            item: {
              Put: {
                TableName: this.tables.records,
                Item: { ...markerKey(report.reportId), t: 'report', at: report.at, [TTL_ATTRIBUTE]: Math.floor(report.at / 1000) + MARKER_DAYS * 86_400 },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            explain: () => new AlreadyApplied(`report ${report.reportId} was applied`),
          },
          {
            item: {
              Put: {
                TableName: this.tables.records,
                Item: { ...usageKey(report.agentId, report.leaseId), t: 'usage', ...next, version: version + 1 },
                ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
                ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
              },
            },
            explain: () => new UsageMoved('usage changed since read'),
          },
        ]);
        return { applied: true, usage: next };
      } catch (err) {
        if (err instanceof AlreadyApplied) return { applied: false, usage: current };
        if (!(err instanceof UsageMoved) || attempt >= 10) throw err;
      }
    }
  }

  async get(agentId: string, leaseId: string): Promise<LeaseUsage | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tables.records, Key: usageKey(agentId, leaseId), ConsistentRead: true }));
    return Item ? strip(Item) : undefined;
  }
}

function strip(item: Record<string, unknown>): LeaseUsage {
  const { pk: _pk, sk: _sk, t: _t, version: _v, ...usage } = item;
  return usage as unknown as LeaseUsage;
}
