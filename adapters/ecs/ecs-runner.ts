/**
 * The ECS runner: each run is a Fargate task (RunTask) sized by the lease's bundle (a valid
 * Fargate cpu/memory pair, given as task overrides), stopped with StopTask. The run's secrets (the
 * agent's credential and the supervisor's token) never appear in plain text in the task's
 * environment: they are sealed together with KMS (encryption context: the agent id) and the
 * task's supervisor unseals them with its task role. Runs are found again from the cluster's tasks
 * and their tags, so the runner keeps no state of its own.
 *
 * StopTask only begins a stop: the supervisor gets SIGTERM, stops the agent, sends its last report
 * and saves the workspace, then the task stops. Until then the task is listed as `stopping`, so
 * that the launcher starts no new task for the agent (which would read the workspace before the
 * old one has saved it, and be overwritten by it).
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../economy/errors.js';
import type { Runner, RunningAgent, RunSpec, RunTarget } from '../../economy/ports.js';
import { isValidFargateSize, validFargateSizes, type Bundle } from '../../economy/resources.js';
import type { AwsService, ServiceSpec } from '../aws/service.js';

export const ECS: ServiceSpec = { id: 'ECS', endpointPrefix: 'ecs', signingName: 'ecs', json: { targetPrefix: 'AmazonEC2ContainerServiceV20141113', version: '1.1' } };
export const KMS: ServiceSpec = { id: 'KMS', endpointPrefix: 'kms', signingName: 'kms', json: { targetPrefix: 'TrentService', version: '1.1' } };

/** What the runner reads of a task (ECS's DescribeTasks). */
/** What ListTasks filters on: where a task is meant to be. */
type DesiredStatus = 'RUNNING' | 'PENDING' | 'STOPPED';

interface Task {
  taskArn?: string;
  desiredStatus?: string;
  lastStatus?: string;
  tags?: { key?: string; value?: string }[];
}

export interface EcsRunnerOptions {
  ecs: AwsService;
  kms: AwsService;
  kmsKeyId: string;
  cluster: string;
  taskDefinition: string;
  containerName: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
  /** Environment every run gets (API URL, metering queue, workspace bucket); never secrets. */
  env: Record<string, string>;
}

/** What SYNTROPISM_SEALED_SECRETS holds once unsealed (JSON). */
export interface SealedSecrets {
  credential: string;
  supervisorToken: string;
}

/** The reason this runner gives StopTask, so that the stop event is recognised as expected. */
export const OWN_STOP_REASON = 'syntropism: lease ended';

const TAG = { agent: 'syntropism:agent', run: 'syntropism:run', lease: 'syntropism:lease', endsAt: 'syntropism:endsAt', size: 'syntropism:size' };

export function fargateSize(bundle: Pick<Bundle, 'vcpu' | 'memoryMiB'>): { cpu: string; memory: string } {
  if (!isValidFargateSize(bundle.vcpu, bundle.memoryMiB)) {
    throw new ValidationError(`not a Fargate size: ${bundle.vcpu} vCPU, ${bundle.memoryMiB} MiB; valid: ${validFargateSizes().join('; ')}`);
  }
  return { cpu: String(Math.round(bundle.vcpu * 1024)), memory: String(bundle.memoryMiB) };
}

export class EcsRunner implements Runner {
  /** A running task cannot change size: a renewal of another size is a new task. */
  readonly resizable = false;
  /** A stopped task's supervisor still reports and saves the workspace, with the run's token. */
  readonly finishesAfterStop = true;

  constructor(private readonly options: EcsRunnerOptions) {}

  async start(spec: RunSpec): Promise<void> {
    const size = fargateSize(spec.bundle);
    const secrets: SealedSecrets = { credential: spec.credential, supervisorToken: spec.supervisorToken };
    const sealed = await this.options.kms.json<{ CiphertextBlob?: string }>('Encrypt', {
      KeyId: this.options.kmsKeyId,
      Plaintext: Buffer.from(JSON.stringify(secrets)).toString('base64'),
      EncryptionContext: { agentId: spec.agentId },
    });
    const environment = {
      ...this.options.env,
      SYNTROPISM_AGENT_ID: spec.agentId,
      SYNTROPISM_RUN_ID: spec.runId,
      SYNTROPISM_LEASE_ID: spec.leaseId,
      SYNTROPISM_LEASE_ENDS_AT: String(spec.endsAt),
      SYNTROPISM_SEALED_SECRETS: sealed.CiphertextBlob!, // base64, as JSON carries blobs
    };
    const out = await this.options.ecs.json<{ tasks?: Task[]; failures?: unknown[] }>('RunTask', {
      // One token for this call and its retries (AwsService retries 5xx, throttling and network
      // errors): a retry of a RunTask that ECS carried out returns its task instead of starting a
      // second. The SDK's client fills the same idempotency token in itself.
      clientToken: randomUUID(),
      cluster: this.options.cluster,
      taskDefinition: this.options.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: spec.agentId.slice(0, 36),
      overrides: {
        cpu: size.cpu,
        memory: size.memory,
        containerOverrides: [{ name: this.options.containerName, environment: Object.entries(environment).map(([name, value]) => ({ name, value })) }],
      },
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: this.options.subnets,
          securityGroups: this.options.securityGroups,
          assignPublicIp: this.options.assignPublicIp ? 'ENABLED' : 'DISABLED',
        },
      },
      tags: [
        { key: TAG.agent, value: spec.agentId },
        { key: TAG.run, value: spec.runId },
        { key: TAG.lease, value: spec.leaseId },
        { key: TAG.endsAt, value: String(spec.endsAt) },
        { key: TAG.size, value: `${size.cpu}/${size.memory}` },
      ],
    });
    if (!out.tasks?.length) throw new Error(`RunTask started nothing: ${JSON.stringify(out.failures ?? [])}`);
  }

  async extend(spec: RunTarget & { runId: string }): Promise<void> {
    const task = (await this.tasks()).find((t) => tag(t, TAG.agent) === spec.agentId && tag(t, TAG.run) === spec.runId);
    if (!task) throw new Error(`run ${spec.runId} of agent ${spec.agentId} is not running`);
    const size = fargateSize(spec.bundle);
    if (tag(task, TAG.size) !== `${size.cpu}/${size.memory}`) throw new Error('a Fargate task cannot change size: start a new run');
    await this.options.ecs.json('TagResource', {
      resourceArn: task.taskArn,
      tags: [
        { key: TAG.lease, value: spec.leaseId },
        { key: TAG.endsAt, value: String(spec.endsAt) },
      ],
    });
  }

  async stop(agentId: string): Promise<void> {
    for (const task of (await this.tasks()).filter((t) => tag(t, TAG.agent) === agentId)) {
      await this.options.ecs.json('StopTask', { cluster: this.options.cluster, task: task.taskArn, reason: OWN_STOP_REASON });
    }
  }

  /** Tasks meant to run, and tasks told to stop that have not stopped yet (`stopping`). */
  async running(): Promise<RunningAgent[]> {
    // Listed in this order, a task stopped between the two lists is in both, and counts as stopping.
    const byArn = new Map<string | undefined, Task>();
    for (const task of await this.tasks('RUNNING')) byArn.set(task.taskArn, task);
    // Stopped tasks stay listed for a while (about an hour): only those not stopped yet count.
    for (const task of await this.tasks('STOPPED')) if (task.lastStatus !== 'STOPPED') byArn.set(task.taskArn, task);
    return [...byArn.values()]
      .filter((t) => tag(t, TAG.agent))
      .map((t) => {
        const [cpu = '0', memory = '0'] = (tag(t, TAG.size) ?? '').split('/');
        return {
          agentId: tag(t, TAG.agent)!,
          runId: tag(t, TAG.run) ?? '',
          leaseId: tag(t, TAG.lease) ?? '',
          endsAt: Number(tag(t, TAG.endsAt) ?? 0),
          vcpu: Number(cpu) / 1024,
          memoryMiB: Number(memory),
          ...(t.desiredStatus === 'STOPPED' ? { stopping: true } : {}),
        };
      });
  }

  private async tasks(desiredStatus: DesiredStatus = 'RUNNING'): Promise<Task[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.ecs.json<{ taskArns?: string[]; nextToken?: string }>('ListTasks', { cluster: this.options.cluster, desiredStatus, ...(nextToken ? { nextToken } : {}) });
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const tasks: Task[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const out = await this.options.ecs.json<{ tasks?: Task[] }>('DescribeTasks', { cluster: this.options.cluster, tasks: arns.slice(i, i + 100), include: ['TAGS'] });
      tasks.push(...(out.tasks ?? []));
    }
    return tasks;
  }
}

function tag(task: Task, key: string): string | undefined {
  return task.tags?.find((t) => t.key === key)?.value;
}
