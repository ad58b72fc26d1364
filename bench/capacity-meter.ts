/**
 * Counts what a DynamoDB document client reads and writes, per partition key, and what that
 * would cost in DynamoDB's capacity units, so that a run on DynamoDB Local can be projected to
 * DynamoDB's per-partition limits (3,000 RCU and 1,000 WCU per partition per second).
 *
 * Capacity units follow DynamoDB's published rules, from the items' sizes (approximated by their
 * JSON length): a read is 1 RCU per 4 KB strongly consistent, half that eventually consistent
 * (a query's items are summed before rounding up; items a filter drops still cost); a write is
 * 1 WCU per 1 KB, twice that inside a transaction (a ConditionCheck costs as a write); a write to
 * an item in a secondary index also writes the index (once to remove it, once to add it when its
 * index key changes). Which index partition an item is in is tracked from the writes this client
 * itself saw (a `Put` with `gsi1pk`, a `REMOVE gsi1pk`), so wrap the client before anything is
 * written.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface Usage {
  calls: Record<string, number>;
  itemsRead: number;
  itemsWritten: number;
  rcu: number;
  wcu: number;
  /** Capacity units by partition: `<table>:<pk>` or `<table>/<index>:<pk>`. */
  readByPartition: Map<string, number>;
  writeByPartition: Map<string, number>;
}

export function emptyUsage(): Usage {
  return { calls: {}, itemsRead: 0, itemsWritten: 0, rcu: 0, wcu: 0, readByPartition: new Map(), writeByPartition: new Map() };
}

type Item = Record<string, unknown>;
type Input = Record<string, unknown>;
const field = (o: unknown, name: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[name] : undefined);
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

const size = (item: unknown): number => Buffer.byteLength(JSON.stringify(item ?? {}));
const add = (map: Map<string, number>, key: string, units: number) => map.set(key, (map.get(key) ?? 0) + units);
/** Which table name is which, without the per-run suffix. */
const tableKind = (name: string) => name.replace(/-[0-9a-f]{8}(-[0-9a-f-]+)?$/, '');
/** The partition of a key, grouping per-item partitions (one agent's, one hold's) by their kind. */
const itemKey = (table: string, key: Item) => `${table}|${text(key.pk)}|${text(key.sk)}`;

export class CapacityMeter {
  usage: Usage = emptyUsage();
  /** Which index partition each item is in, as far as this client's writes tell. */
  private readonly indexOf = new Map<string, string>();

  /** Wraps `client.send` in place. */
  attach(client: DynamoDBDocumentClient): void {
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command: unknown) => {
      const { input } = command as { input: Input };
      const name = (command as { constructor: { name: string } }).constructor.name.replace(/Command$/, '');
      let output: Input | undefined;
      try {
        output = (await send(command)) as Input;
        return output;
      } finally {
        this.record(name, input, output);
      }
    };
  }

  /** The usage since the last call, and a fresh count from now on. */
  take(): Usage {
    const taken = this.usage;
    this.usage = emptyUsage();
    return taken;
  }

  private record(name: string, input: Input, output: Input | undefined): void {
    const u = this.usage;
    u.calls[name] = (u.calls[name] ?? 0) + 1;
    const table = tableKind(text(input.TableName));
    switch (name) {
      case 'Get': {
        const units = (input.ConsistentRead ? 1 : 0.5) * Math.max(1, Math.ceil(size(output?.Item) / 4096));
        u.itemsRead += output?.Item ? 1 : 0;
        this.read(`${table}:${text(field(input.Key, 'pk'))}`, units);
        break;
      }
      case 'Query':
      case 'Scan': {
        const items = (output?.Items ?? []) as Item[];
        const scanned = (output?.ScannedCount as number | undefined) ?? items.length;
        const bytes = items.reduce((sum, i) => sum + size(i), 0);
        const average = items.length > 0 ? bytes / items.length : 400;
        const total = bytes + (scanned - items.length) * average;
        const units = (input.ConsistentRead ? 1 : 0.5) * Math.max(1, Math.ceil(total / 4096));
        u.itemsRead += scanned;
        const pk = field(input.ExpressionAttributeValues, ':pk') as string | undefined;
        this.read(`${table}${input.IndexName ? `/${text(input.IndexName)}` : ''}:${pk ?? '(scan)'}`, units);
        break;
      }
      case 'Put':
      case 'Update':
      case 'Delete':
        if (output) this.write(table, name, input, 1);
        break;
      case 'TransactWrite':
        if (output) {
          for (const entry of input.TransactItems as Input[]) {
            const [kind, op] = Object.entries(entry)[0] as [string, Input];
            this.write(tableKind(text(op.TableName)), kind, op, 2);
          }
        }
        break;
      case 'BatchWrite':
        if (output) {
          for (const [name, requests] of Object.entries(input.RequestItems as Record<string, Input[]>)) {
            for (const request of requests) {
              if (request.PutRequest) this.write(tableKind(name), 'Put', request.PutRequest as Input, 1);
              else if (request.DeleteRequest) this.write(tableKind(name), 'Delete', request.DeleteRequest as Input, 1);
            }
          }
        }
        break;
      default:
        break;
    }
  }

  private read(partition: string, units: number): void {
    this.usage.rcu += units;
    add(this.usage.readByPartition, partition, units);
  }

  private write(table: string, kind: string, op: Input, factor: number): void {
    const u = this.usage;
    const key = (kind === 'Put' ? { pk: field(op.Item, 'pk'), sk: field(op.Item, 'sk') } : op.Key) as Item;
    const units = factor * Math.max(1, Math.ceil(size(kind === 'Put' ? op.Item : op.Key) / 1024));
    u.itemsWritten += 1;
    u.wcu += units;
    add(u.writeByPartition, `${table}:${text(key.pk)}`, units);
    if (kind === 'ConditionCheck') return;
    // The index: an item in it is rewritten there by every change (ALL projection).
    const id = itemKey(table, key);
    const before = this.indexOf.get(id);
    let after: string | undefined = before;
    if (kind === 'Put') after = field(op.Item, 'gsi1pk') as string | undefined;
    else if (kind === 'Delete') after = undefined;
    else if (/REMOVE[^=]*\bgsi1pk\b/.test(String(op.UpdateExpression))) after = undefined;
    const touch = (partition: string) => {
      u.wcu += 1;
      add(u.writeByPartition, `${table}/gsi1:${partition}`, 1);
    };
    if (before !== undefined) touch(before);
    if (after !== undefined && after !== before) touch(after);
    if (after === undefined) this.indexOf.delete(id);
    else this.indexOf.set(id, after);
  }
}

/** The busiest partition and its capacity units. */
export function hottest(map: Map<string, number>): { partition: string; units: number } {
  let best = { partition: '-', units: 0 };
  for (const [partition, units] of map) if (units > best.units) best = { partition, units };
  return best;
}
