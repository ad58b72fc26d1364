/**
 * CloudFormation's intrinsic functions, resolved against what the local cloud made of each
 * resource: `Ref` and `Fn::GetAtt` to the emulators' names, ARNs and URLs (set by provision.ts),
 * pseudo parameters to the local account and region, and `Fn::Join`, `Fn::Select`, `Fn::Split`,
 * `Fn::Sub` over those. A reference to a resource the local cloud does not stand in for is an error
 * naming it: nothing runs with a value that means nothing here.
 */
import type { Json } from './template.js';

export const LOCAL_REGION = 'us-east-1';
/** moto's account; the other emulators accept any. */
export const LOCAL_ACCOUNT = '123456789012';

export interface ResourceValue {
  ref: string;
  attributes?: Record<string, string>;
}

const PSEUDO: Record<string, string> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'Syntropism',
  'AWS::NoValue': '',
};

export class UnresolvedError extends Error {}

export class Resolver {
  /**
   * @param hosts what a URL's origin in AWS is here (the API's `https://<id>.execute-api…` is the
   *   local gateway), applied to every string value: the local stand-in for DNS.
   */
  constructor(
    private readonly values: ReadonlyMap<string, ResourceValue>,
    private readonly hosts: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** `value` with every intrinsic resolved; `where` names it in errors. */
  resolve(value: unknown, where: string): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${where}[${i}]`));
    if (value === null || typeof value !== 'object') return value;
    const object = value as Json;
    const keys = Object.keys(object);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return this.intrinsic(keys[0]!, object[keys[0]!], where);
    return Object.fromEntries(keys.map((k) => [k, this.resolve(object[k], `${where}.${k}`)]));
  }

  /** A value that must come out as a string (an environment variable, a name). */
  string(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved !== 'string' && typeof resolved !== 'number') throw new UnresolvedError(`${where}: not a string: ${JSON.stringify(resolved)}`);
    let text = String(resolved);
    for (const [from, to] of this.hosts) text = text.replaceAll(from, to);
    return text;
  }

  private intrinsic(name: string, arg: unknown, where: string): unknown {
    switch (name) {
      case 'Ref': {
        const id = String(arg);
        if (id in PSEUDO) return PSEUDO[id];
        return this.value(id, where).ref;
      }
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        const found = this.value(id!, where).attributes?.[attribute!];
        if (found === undefined) throw new UnresolvedError(`${where}: ${id}.${attribute} has no local value`);
        return found;
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return (this.resolve(parts, where) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (this.resolve(list, where) as unknown[])[Number(this.resolve(index, where))];
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, unknown];
        return this.string(text, where).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Json]);
        return text.replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
          if (ref in variables) return this.string(variables[ref], where);
          const [id, attribute] = ref.split('.');
          return this.string(attribute ? { 'Fn::GetAtt': [id, attribute] } : { Ref: id }, where);
        });
      }
      default:
        throw new UnresolvedError(`${where}: ${name} is not resolved by the local cloud`);
    }
  }

  private value(logicalId: string, where: string): ResourceValue {
    const found = this.values.get(logicalId);
    if (!found) throw new UnresolvedError(`${where}: ${logicalId} has no local stand-in`);
    return found;
  }
}
